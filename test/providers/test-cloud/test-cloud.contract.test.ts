// The test-only provider registered beside the built-in ones, through the same contract.
import { builtInProviders, createProviderRegistry, type ProviderTarget } from '../../../src/providers/registry.js';
import { instanceSecretSlot } from '../../../src/services/credentials/credentials.js';
import { providerContract } from '../../support/provider-contract.js';
import { testKeyRing } from '../../support/server.js';
import { testCloudDescriptor } from './descriptor.js';
import { TestCloudDouble } from './double.js';

providerContract('TEST_CLOUD', async () => {
  const double = new TestCloudDouble('cloud-key');
  const serverUrl = await double.listen();
  // The registry line: the built-in providers and this one.
  const registry = createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: 'http://127.0.0.1:9',
    timeoutMs: 2000,
    descriptors: [...builtInProviders, testCloudDescriptor],
  });
  const row: ProviderTarget = {
    id: '7e2f4b9a-1111-4222-8333-444455556666',
    deploymentMethod: 'TEST_CLOUD',
    serverUrl,
    odooLogin: null,
    providerTokenEnc: null,
    odooPasswordEnc: null,
    masterPasswordEnc: null,
  };
  let count = 0;
  return {
    descriptor: testCloudDescriptor,
    registry,
    target: () => ({
      ...row,
      odooLogin: 'fleet',
      odooPasswordEnc: testKeyRing.encrypt('cloud-key', instanceSecretSlot(row, 'odooPasswordEnc', '')),
    }),
    targetWithoutCredentials: () => row,
    newInstance: () => ({
      name: `cloud-${(count += 1)}`,
      database: `cloud_${count}`,
      version: '18.0',
      subscriptionTier: 'starter',
    }),
    settle: async () => double.tick(),
    close: () => double.close(),
  };
});
