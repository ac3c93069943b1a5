// The providers the fleet knows, and the one place that picks an instance's provider by
// its deployment method. It hands the provider the instance's own credentials, decrypted
// at the last moment and checked against the provider's credential schema. Services ask
// `providerFor(instance)` for a client and `descriptorOf(instance)` for what it can do;
// they never compare deployment methods themselves.
import { OdooVersionCache, type LongCallTimeouts } from '../odoo/client.js';
import { openInstanceSecret } from '../services/credentials/credentials.js';
import type { KeyRing } from '../services/crypto/key-ring.js';
import { CircuitBreakers } from './circuit-breaker.js';
import type {
  CredentialSource,
  OdooApiKeyStore,
  ProviderCatalog,
  ProviderDescriptor,
  ProviderEnvironment,
} from './descriptor.js';
import { ProviderError } from './errors.js';
import { odooShDescriptor } from './odoo-sh/descriptor.js';
import type { InstanceProvider } from './provider.js';
import { selfHostedDescriptor } from './self-hosted/descriptor.js';

/** Every provider of the fleet: a new one is one more line here. */
export const builtInProviders: readonly ProviderDescriptor[] = [odooShDescriptor, selfHostedDescriptor];

/** The descriptor of a deployment method among `descriptors` (default: the built-in ones). */
export function providerDescriptor(
  method: string,
  descriptors: readonly ProviderDescriptor[] = builtInProviders,
): ProviderDescriptor {
  const descriptor = descriptors.find((candidate) => candidate.method === method);
  if (!descriptor) throw new ProviderError('invalid_input', `No provider serves the deployment method ${method}`);
  return descriptor;
}

/** The built-in providers, for callers that build no registry (scripts, unit tests). */
export const builtInCatalog: ProviderCatalog = {
  descriptorOf: (instance) => providerDescriptor(instance.deploymentMethod),
};

/** The columns of an instance that choosing and authenticating its provider needs. */
export interface ProviderTarget {
  id: string;
  deploymentMethod: string;
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
  /** what instance tokens are bound to (default: the base URL; see doubles/odoo-sh/in-process.ts) */
  odooShDestination?: string;
  odooShDefaultToken?: string;
  timeoutMs: number;
  /** self-hosted servers: bounds of module installs and database copies (default 10 and 15 minutes) */
  odooLongTimeouts?: Partial<LongCallTimeouts>;
  breakers?: CircuitBreakers;
  /** keeps the API keys made for self-hosted Odoo 19+ admins (without it they live as long as the registry) */
  odooApiKeys?: OdooApiKeyStore;
  /** the providers to serve (default `builtInProviders`); tests add their own */
  descriptors?: readonly ProviderDescriptor[];
}

export function createProviderRegistry(options: ProviderRegistryOptions) {
  const descriptors = options.descriptors ?? builtInProviders;
  const environment: ProviderEnvironment = {
    timeoutMs: options.timeoutMs,
    breakers: options.breakers ?? new CircuitBreakers(),
    odooSh: { baseUrl: options.odooShBaseUrl, defaultToken: options.odooShDefaultToken },
    odooLongTimeouts: options.odooLongTimeouts,
    // Self-hosted servers: each one's version is asked once; keys made here until they are stored.
    odooServers: { versions: new OdooVersionCache(), madeApiKeys: new Map(), apiKeyStore: options.odooApiKeys },
  };
  const tokenDestination = options.odooShDestination ?? options.odooShBaseUrl;
  const descriptorOf = (instance: { deploymentMethod: string }) =>
    providerDescriptor(instance.deploymentMethod, descriptors);

  function connect(descriptor: ProviderDescriptor, source: CredentialSource): InstanceProvider {
    const credentials = descriptor.credentials.safeParse(descriptor.readCredentials(source, environment));
    if (!credentials.success)
      throw new ProviderError(
        'unauthorized',
        credentials.error.issues[0]?.message ?? `Incomplete credentials for ${descriptor.label}`,
      );
    return descriptor.connect(credentials.data, environment);
  }

  return {
    /** the Odoo.sh-style API instance tokens are bound to (their envelopes' destination) */
    odooShBaseUrl: tokenDestination,
    descriptors,
    descriptorOf,
    /** For creating instances at Odoo.sh before they have a token of their own. */
    odooShAccount(): InstanceProvider {
      if (!options.odooShDefaultToken) throw new ProviderError('unauthorized', 'ODOO_SH_API_TOKEN is not set');
      return connect(odooShDescriptor, { instanceId: '', serverUrl: null, odooLogin: null, secret: () => null });
    },
    providerFor(instance: ProviderTarget): InstanceProvider {
      return connect(descriptorOf(instance), {
        instanceId: instance.id,
        serverUrl: instance.serverUrl,
        odooLogin: instance.odooLogin,
        secret: (column) =>
          openInstanceSecret(options.keyRing, instance, column, column === 'providerTokenEnc' ? tokenDestination : ''),
      });
    },
  };
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
