// A customer's own Odoo server, driven over XML-RPC and its database manager with the
// instance's admin login and the server's master password. It keeps no backups (the
// fleet stores the dumps) and installs modules instead of building branches.
import { z } from 'zod';
import { defineProvider } from '../descriptor.js';
import { SelfHostedProvider } from './self-hosted-provider.js';

const required = 'A self-hosted instance needs its server URL, Odoo login and password, and master password';

export const selfHostedDescriptor = defineProvider({
  method: 'SELF_HOSTED',
  label: 'self-hosted Odoo',
  capabilities: [
    'suspend',
    'restoreIntoAnotherInstance',
    'restoreStoredCopies',
    'neutralize',
    'cancelDeployment',
    'deployByGit',
    'deployByModuleInstall',
  ],
  suspendsNatively: false,
  forwardsSettings: false,
  needsServerUrl: true,
  requiredCredentials: ['odooLogin', 'odooPassword'],
  credentials: z.object({
    instanceId: z.string(),
    url: z.string({ error: required }).min(1, required),
    adminLogin: z.string({ error: required }).min(1, required),
    adminPassword: z.string({ error: required }).min(1, required),
    masterPassword: z.string({ error: required }).min(1, required),
    apiKey: z.string().optional(),
  }),
  readCredentials: (source, environment) => ({
    instanceId: source.instanceId,
    url: source.serverUrl ?? undefined,
    adminLogin: source.odooLogin ?? undefined,
    adminPassword: source.secret('odooPasswordEnc') ?? undefined,
    masterPassword: source.secret('masterPasswordEnc') ?? undefined,
    apiKey:
      source.secret('odooApiKeyEnc') ??
      environment.odooServers.madeApiKeys.get(`${source.instanceId} ${source.serverUrl}`) ??
      undefined,
  }),
  connect: ({ instanceId, ...server }, environment) =>
    new SelfHostedProvider(server, {
      timeoutMs: environment.timeoutMs,
      long: environment.odooLongTimeouts,
      versions: environment.odooServers.versions,
      onApiKeyCreated: async (key) => {
        environment.odooServers.madeApiKeys.set(`${instanceId} ${server.url}`, key);
        await environment.odooServers.apiKeyStore?.save({ id: instanceId, serverUrl: server.url }, key);
      },
    }),
});
