// The registry chooses each instance's provider and authenticates it with the
// instance's own decrypted secrets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../src/providers/errors.js';
import { createProviderRegistry, type ProviderTarget } from '../src/providers/registry.js';
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { testKeyRing } from './support/server.js';
import { instanceSecretSlot } from '../src/services/credentials/credentials.js';

let sim: SimulatorHarness;
let odoo: OdooServerDouble;
let odooUrl: string;
let folder: string;

/** Sealed as setInstanceCredentials would, for the simulator's API and the Odoo double. */
const sealed = (
  id: string,
  column: 'providerTokenEnc' | 'odooPasswordEnc' | 'masterPasswordEnc',
  value: string,
  serverUrl = odooUrl,
) => testKeyRing.encrypt(value, instanceSecretSlot({ id, serverUrl }, column, sim.baseUrl));

beforeAll(async () => {
  sim = await startSimulator({ tokens: { 'instance-token': '*', 'account-token': '*' } });
  odoo = new OdooServerDouble({ masterPassword: 'master-pw' });
  odoo.addDatabase('selfhosted', { adminPassword: 'odoo-pw' });
  odooUrl = await odoo.listen();
  folder = await mkdtemp(join(tmpdir(), 'fleet-registry-'));
});
afterAll(async () => {
  await sim?.close();
  await odoo?.close();
  await rm(folder, { recursive: true, force: true });
});

function registry(defaultToken?: string) {
  return createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: sim.baseUrl,
    odooShDefaultToken: defaultToken,
    timeoutMs: 2000,
  });
}

const blank = (id: string): ProviderTarget => ({
  id,
  deploymentMethod: 'ODOO_SH',
  serverUrl: null,
  odooLogin: null,
  providerTokenEnc: null,
  odooPasswordEnc: null,
  masterPasswordEnc: null,
});

describe('provider registry', () => {
  it("uses an Odoo.sh instance's own token, else the account token", async () => {
    const id = '0b6f0b1a-1111-4222-8333-444455556666';
    const own = registry().providerFor({
      ...blank(id),
      providerTokenEnc: sealed(id, 'providerTokenEnc', 'instance-token'),
    });
    expect((await own.listInstances()).items).toEqual([]);
    expect((await registry('account-token').providerFor(blank(id)).listInstances()).items).toEqual([]);
    expect(() => registry().providerFor(blank(id))).toThrow(ProviderError);
    const wrong = registry().providerFor({
      ...blank(id),
      providerTokenEnc: sealed(id, 'providerTokenEnc', 'stolen-token'),
    });
    expect(await wrong.listInstances().catch((error: ProviderError) => error.kind)).toBe('unauthorized');
  });

  it('drives a self-hosted instance with its decrypted Odoo credentials', async () => {
    const id = '7c1d2e3f-1111-4222-8333-444455556666';
    const provider = registry().providerFor({
      ...blank(id),
      deploymentMethod: 'SELF_HOSTED',
      serverUrl: odooUrl,
      odooLogin: 'admin',
      odooPasswordEnc: sealed(id, 'odooPasswordEnc', 'odoo-pw'),
      masterPasswordEnc: sealed(id, 'masterPasswordEnc', 'master-pw'),
    });
    expect(await provider.getHealth('selfhosted')).toMatchObject({ status: 'healthy' });
    expect((await provider.listInstances()).items.map((instance) => instance.id)).toEqual(['selfhosted']);
  });

  it('refuses a secret copied from another instance', () => {
    const id = '7c1d2e3f-1111-4222-8333-444455556666';
    const copied = sealed('00000000-1111-4222-8333-444455556666', 'odooPasswordEnc', 'odoo-pw');
    expect(() =>
      registry().providerFor({
        ...blank(id),
        deploymentMethod: 'SELF_HOSTED',
        serverUrl: odooUrl,
        odooLogin: 'admin',
        odooPasswordEnc: copied,
        masterPasswordEnc: sealed(id, 'masterPasswordEnc', 'm'),
      }),
    ).toThrow(/another row or column/);
  });

  it('refuses passwords set for another server, and a token set for another provider API', () => {
    const id = '7c1d2e3f-1111-4222-8333-444455556666';
    const forOtherServer = (column: 'odooPasswordEnc' | 'masterPasswordEnc') =>
      sealed(id, column, 'pw', 'https://odoo.example.com');
    expect(() =>
      registry().providerFor({
        ...blank(id),
        deploymentMethod: 'SELF_HOSTED',
        serverUrl: odooUrl,
        odooLogin: 'admin',
        odooPasswordEnc: forOtherServer('odooPasswordEnc'),
        masterPasswordEnc: forOtherServer('masterPasswordEnc'),
      }),
    ).toThrow(/destination changed/);
    const forOtherApi = testKeyRing.encrypt(
      'instance-token',
      instanceSecretSlot({ id }, 'providerTokenEnc', 'https://elsewhere.example.com/api/v1'),
    );
    expect(() => registry().providerFor({ ...blank(id), providerTokenEnc: forOtherApi })).toThrow(
      /destination changed/,
    );
  });
});
