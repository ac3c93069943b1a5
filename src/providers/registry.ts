// Picks the provider of an instance and hands it the instance's own credentials,
// decrypted at the last moment. Services ask for `providerFor(instance)` and never
// learn which protocol answers.
import type { DeploymentMethod } from '../generated/prisma/enums.js';
import { OdooVersionCache, type LongCallTimeouts } from '../odoo/client.js';
import { openInstanceSecret } from '../services/credentials/credentials.js';
import type { KeyRing } from '../services/crypto/key-ring.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { ProviderError } from './errors.js';
import { OdooShHttp } from './odoo-sh/http.js';
import { OdooShProvider } from './odoo-sh/odoo-sh-provider.js';
import type { InstanceProvider } from './provider.js';
import type { OdooApiKeyStore } from './self-hosted/api-key-store.js';
import { SelfHostedProvider } from './self-hosted/self-hosted-provider.js';

/** The columns of an instance that choosing and authenticating its provider needs. */
export interface ProviderTarget {
  id: string;
  deploymentMethod: DeploymentMethod;
  serverUrl: string | null;
  odooLogin: string | null;
  providerTokenEnc: string | null;
  odooPasswordEnc: string | null;
  masterPasswordEnc: string | null;
  /** the Odoo admin's API key (self-hosted Odoo 19+); rows read without it get a key made anew */
  odooApiKeyEnc?: string | null;
}

export interface ProviderRegistryOptions {
  keyRing: KeyRing;
  odooShBaseUrl: string;
  /** what instance tokens are bound to (default: the base URL; see in-process-simulator.ts) */
  odooShDestination?: string;
  odooShDefaultToken?: string;
  timeoutMs: number;
  /** self-hosted servers: bounds of module installs and database copies (default 10 and 15 minutes) */
  odooLongTimeouts?: Partial<LongCallTimeouts>;
  breakers?: CircuitBreakers;
  /** keeps the API keys made for self-hosted Odoo 19+ admins (without it they live as long as the registry) */
  odooApiKeys?: OdooApiKeyStore;
}

export function createProviderRegistry(options: ProviderRegistryOptions) {
  const breakers = options.breakers ?? new CircuitBreakers();
  const odooSh = (token: string) =>
    new OdooShProvider(new OdooShHttp({ baseUrl: options.odooShBaseUrl, token, breaker: breakers.for(options.odooShBaseUrl), timeoutMs: options.timeoutMs }));
  const tokenDestination = options.odooShDestination ?? options.odooShBaseUrl;
  // Self-hosted servers: each one's version is asked once; keys made here until they are stored.
  const odooVersions = new OdooVersionCache();
  const madeApiKeys = new Map<string, string>();
  return {
    /** the Odoo.sh-style API instance tokens are bound to (their envelopes' destination) */
    odooShBaseUrl: tokenDestination,
    /** For creating instances at Odoo.sh before they have a token of their own. */
    odooShAccount(): InstanceProvider {
      if (!options.odooShDefaultToken) throw new ProviderError('unauthorized', 'ODOO_SH_API_TOKEN is not set');
      return odooSh(options.odooShDefaultToken);
    },
    providerFor(instance: ProviderTarget): InstanceProvider {
      if (instance.deploymentMethod === 'ODOO_SH') {
        const token = openInstanceSecret(options.keyRing, instance, 'providerTokenEnc', tokenDestination) ?? options.odooShDefaultToken;
        if (!token) throw new ProviderError('unauthorized', 'No Odoo.sh token: set the instance\'s providerToken or ODOO_SH_API_TOKEN');
        return odooSh(token);
      }
      const password = openInstanceSecret(options.keyRing, instance, 'odooPasswordEnc');
      const masterPassword = openInstanceSecret(options.keyRing, instance, 'masterPasswordEnc');
      if (!instance.serverUrl || !instance.odooLogin || !password || !masterPassword) {
        throw new ProviderError('unauthorized', 'A self-hosted instance needs its server URL, Odoo login and password, and master password');
      }
      const serverUrl = instance.serverUrl;
      const keyOf = `${instance.id} ${serverUrl}`;
      const apiKey = openInstanceSecret(options.keyRing, instance, 'odooApiKeyEnc') ?? madeApiKeys.get(keyOf);
      return new SelfHostedProvider(
        { url: serverUrl, adminLogin: instance.odooLogin, adminPassword: password, masterPassword, apiKey },
        {
          timeoutMs: options.timeoutMs,
          long: options.odooLongTimeouts,
          versions: odooVersions,
          onApiKeyCreated: async (key) => {
            madeApiKeys.set(keyOf, key);
            await options.odooApiKeys?.save({ id: instance.id, serverUrl }, key);
          },
        },
      );
    },
  };
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
