// Where a provider's instance id is unique. Odoo.sh ids are unique across the platform;
// an instance of a provider that needs a server URL (self-hosted) is a database on one
// server: a self-hosted instance is a database on one server, so its identity is the pair
// (server URL, database): two servers may each host a database of the same name.
import type { ProviderDescriptor } from '../../providers/descriptor.js';

export const ODOO_SH_SCOPE = 'odoo.sh';

/** The server URL in one spelling: host lower-cased by URL parsing, no trailing slash. */
export function normalizedServerUrl(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

export function providerScopeOf(
  provider: Pick<ProviderDescriptor, 'needsServerUrl'>,
  serverUrl: string | null | undefined,
): string {
  return provider.needsServerUrl && serverUrl ? normalizedServerUrl(serverUrl) : ODOO_SH_SCOPE;
}
