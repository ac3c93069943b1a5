// A third provider that exists only in the tests: proof that a provider is one folder
// (descriptor, client, double) plus one registry line, and keeps the shared contract.
import { z } from 'zod';
import { defineProvider } from '../../../src/providers/descriptor.js';
import { TestCloudClient } from './client.js';

const required = 'A test-cloud instance needs its API URL (serverUrl), account (odooLogin) and API key (odooPassword)';

export const testCloudDescriptor = defineProvider({
  method: 'TEST_CLOUD',
  label: 'Test cloud',
  // It cannot suspend, restore or deploy: the contract skips what it does not declare.
  capabilities: ['cancelDeployment'],
  suspendsNatively: false,
  forwardsSettings: false,
  needsServerUrl: true,
  requiredCredentials: ['odooLogin', 'odooPassword'],
  credentials: z.object({
    url: z.url({ error: required }),
    account: z.string({ error: required }).min(1, required),
    apiKey: z.string({ error: required }).min(1, required),
  }),
  readCredentials: (source) => ({
    url: source.serverUrl ?? undefined,
    account: source.odooLogin ?? undefined,
    apiKey: source.secret('odooPasswordEnc') ?? undefined,
  }),
  connect: ({ url, apiKey }) => new TestCloudClient({ url, apiKey }),
});
