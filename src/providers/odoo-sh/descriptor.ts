// Odoo.sh (or an API of its shape): instances, backups and builds live at the provider,
// reached with a bearer token; deployments are builds of a git branch.
import { z } from 'zod';
import { defineProvider } from '../descriptor.js';
import { OdooShHttp } from './http.js';
import { OdooShProvider } from './odoo-sh-provider.js';

const noToken = "No Odoo.sh token: set the instance's providerToken or ODOO_SH_API_TOKEN";

export const odooShDescriptor = defineProvider({
  method: 'ODOO_SH',
  label: 'Odoo.sh',
  capabilities: ['suspend', 'restoreIntoAnotherInstance', 'neutralize', 'cancelDeployment', 'deployByGit'],
  suspendsNatively: true,
  forwardsSettings: true,
  needsServerUrl: false,
  requiredCredentials: ['providerToken'],
  credentials: z.object({ token: z.string({ error: noToken }).min(1, noToken) }),
  readCredentials: (source, environment) => ({
    token: source.secret('providerTokenEnc') ?? environment.odooSh.defaultToken,
  }),
  connect: ({ token }, environment) =>
    new OdooShProvider(
      new OdooShHttp({
        baseUrl: environment.odooSh.baseUrl,
        token,
        breaker: environment.breakers.for(environment.odooSh.baseUrl),
        timeoutMs: environment.timeoutMs,
      }),
    ),
});
