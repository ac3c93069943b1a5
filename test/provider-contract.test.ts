// The shared provider contract (support/provider-contract.ts) run against the built-in
// providers, each through the registry with its own double: the Odoo.sh simulator and
// the Odoo server double.
import { odooShDescriptor } from '../src/providers/odoo-sh/descriptor.js';
import { createProviderRegistry, type ProviderTarget } from '../src/providers/registry.js';
import { selfHostedDescriptor } from '../src/providers/self-hosted/descriptor.js';
import { instanceSecretSlot } from '../src/services/credentials/credentials.js';
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';
import { startSimulator } from './support/odoo-sh.js';
import { providerContract } from './support/provider-contract.js';
import { testKeyRing } from './support/server.js';

const noCredentials = { odooLogin: null, providerTokenEnc: null, odooPasswordEnc: null, masterPasswordEnc: null };

providerContract('ODOO_SH', async () => {
  const sim = await startSimulator({ tokens: { 'instance-token': '*' } });
  const registry = createProviderRegistry({ keyRing: testKeyRing, odooShBaseUrl: sim.baseUrl, timeoutMs: 2000 });
  const id = '5a0c2f7e-1111-4222-8333-444455556666';
  const row: ProviderTarget = { id, deploymentMethod: 'ODOO_SH', serverUrl: null, ...noCredentials };
  let count = 0;
  return {
    descriptor: odooShDescriptor,
    registry,
    target: () => ({
      ...row,
      providerTokenEnc: testKeyRing.encrypt('instance-token', instanceSecretSlot(row, 'providerTokenEnc', sim.baseUrl)),
    }),
    targetWithoutCredentials: () => row,
    newInstance: () => ({
      name: `contract-${(count += 1)}`,
      database: `contract_${count}`,
      version: '17.0',
      subscriptionTier: 'starter',
    }),
    settle: async () => sim.advance(1000),
    close: () => sim.close(),
  };
});

providerContract('SELF_HOSTED', async () => {
  const odoo = new OdooServerDouble({ masterPassword: 'master-pw' });
  const serverUrl = await odoo.listen();
  const registry = createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: 'http://127.0.0.1:9',
    timeoutMs: 2000,
  });
  const id = '6b1d3a8f-1111-4222-8333-444455556666';
  const row: ProviderTarget = { id, deploymentMethod: 'SELF_HOSTED', serverUrl, ...noCredentials };
  const seal = (column: 'odooPasswordEnc' | 'masterPasswordEnc', value: string) =>
    testKeyRing.encrypt(value, instanceSecretSlot(row, column, ''));
  let count = 0;
  return {
    descriptor: selfHostedDescriptor,
    registry,
    target: () => ({
      ...row,
      odooLogin: 'admin',
      odooPasswordEnc: seal('odooPasswordEnc', 'odoo-pw'),
      masterPasswordEnc: seal('masterPasswordEnc', 'master-pw'),
    }),
    targetWithoutCredentials: () => row,
    newInstance: () => ({
      name: `contract-${(count += 1)}`,
      database: `contract_${count}`,
      version: '17.0',
      subscriptionTier: 'starter',
    }),
    settle: async () => {},
    close: () => odoo.close(),
  };
});
