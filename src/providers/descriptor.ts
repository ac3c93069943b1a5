// What a hosting provider is, declared once: its method name, what it can do, the shape
// of its credentials and how a client is built from them. Services ask the descriptor
// (through the registry) instead of comparing deployment methods, so a new provider is
// one folder with one descriptor and one line in registry.ts.
import type { z } from 'zod';
import type { LongCallTimeouts, OdooVersionCache } from '../odoo/client.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import type { InstanceProvider } from './provider.js';

/**
 * Things a provider may or may not do. Each one is a call of the API (see
 * capabilities.ts for the message when it is missing).
 */
export const CAPABILITIES = [
  /** suspendInstance / resumeInstance */
  'suspend',
  /** restoreBackup into another instance than the one the backup was taken of */
  'restoreIntoAnotherInstance',
  /** restoreBackup from the fleet's stored copy of a backup taken of another provider's instance */
  'restoreStoredCopies',
  /** restoreBackup with `neutralize: true` (mail servers, crons and payment providers off) */
  'neutralize',
  /** cancelDeployment before the provider has started it */
  'cancelDeployment',
  /** deployTemplate / redeploy through the instance's git repository */
  'deployByGit',
  /** deployTemplate installing modules over RPC (strategy XMLRPC) */
  'deployByModuleInstall',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** The instance columns a descriptor reads its credentials from; secrets come decrypted. */
export interface CredentialSource {
  /** the instance's id ('' for an account-level client) */
  instanceId: string;
  serverUrl: string | null;
  odooLogin: string | null;
  /** the decrypted secret of a column, or null when none is stored */
  secret(column: 'providerTokenEnc' | 'odooPasswordEnc' | 'masterPasswordEnc' | 'odooApiKeyEnc'): string | null;
}

/** The API's names of the credentials an instance must have before it is "configured". */
export type CredentialField = 'providerToken' | 'odooLogin' | 'odooPassword' | 'masterPassword';

/** Keeps the API keys the self-hosted provider makes for Odoo 19+ admins (see self-hosted/api-key-store.ts). */
export interface OdooApiKeyStore {
  save(instance: { id: string; serverUrl: string }, apiKey: string): Promise<void>;
}

/** What the composition root gives every provider when it builds a client. */
export interface ProviderEnvironment {
  timeoutMs: number;
  breakers: CircuitBreakers;
  /** the Odoo.sh-style API and the account token used when an instance has none */
  odooSh: { baseUrl: string; defaultToken?: string };
  /** self-hosted servers: bounds of module installs and database copies */
  odooLongTimeouts?: Partial<LongCallTimeouts>;
  /** self-hosted servers: their versions, asked once, and the API keys made for Odoo 19+ admins */
  odooServers: {
    versions: OdooVersionCache;
    /** keys made in this process, by `${instanceId} ${serverUrl}`, until the store has them */
    madeApiKeys: Map<string, string>;
    apiKeyStore?: OdooApiKeyStore;
  };
}

export interface ProviderDescriptor<Credentials = unknown> {
  /** the `deploymentMethod` of the instances it serves */
  method: string;
  /** how people call it, in messages */
  label: string;
  capabilities: readonly Capability[];
  /** suspends at the provider itself; false when suspension is emulated (self-hosted: users deactivated) */
  suspendsNatively: boolean;
  /** the provider keeps the tier and branch too, so updateInstance sends them on */
  forwardsSettings: boolean;
  /** instances live on a server of the customer's: `serverUrl` is required and scopes the provider's ids */
  needsServerUrl: boolean;
  /** what `credentialsConfigured` waits for */
  requiredCredentials: readonly CredentialField[];
  /** validates what `readCredentials` gathered; its message says what to set */
  credentials: z.ZodType<Credentials>;
  readCredentials(source: CredentialSource, environment: ProviderEnvironment): unknown;
  connect(credentials: Credentials, environment: ProviderEnvironment): InstanceProvider;
}

/** What services ask of the registry: the descriptor serving an instance. */
export interface ProviderCatalog {
  descriptorOf(instance: { deploymentMethod: string }): ProviderDescriptor;
}

/** Types a descriptor literal against its credential schema. */
export function defineProvider<Credentials>(
  descriptor: ProviderDescriptor<Credentials>,
): ProviderDescriptor<Credentials> {
  return descriptor;
}

export function hasCapability(descriptor: Pick<ProviderDescriptor, 'capabilities'>, capability: Capability): boolean {
  return descriptor.capabilities.includes(capability);
}
