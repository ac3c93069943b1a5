// Whether an instance has the secrets it needs, and if not, what to set: the base secrets
// of its provider, and any secret cleared because its repository or server changed.
import type { OdooInstance } from '../../generated/prisma/client.js';
import type { CredentialField, ProviderCatalog } from '../../providers/descriptor.js';

export const credentialStateSelect = {
  deploymentMethod: true,
  providerTokenEnc: true,
  odooLogin: true,
  odooPasswordEnc: true,
  masterPasswordEnc: true,
  credentialsAwaiting: true,
} as const;

type CredentialColumns = Pick<OdooInstance, keyof typeof credentialStateSelect>;

const columnOf = {
  providerToken: 'providerTokenEnc',
  odooLogin: 'odooLogin',
  odooPassword: 'odooPasswordEnc',
  masterPassword: 'masterPasswordEnc',
} as const satisfies Record<CredentialField, keyof OdooInstance>;

export function credentialState(
  instance: CredentialColumns,
  providers: ProviderCatalog,
): { configured: boolean; message: string | null } {
  const missing = providers
    .descriptorOf(instance)
    .requiredCredentials.filter((field) => instance[columnOf[field]] === null);
  const awaiting = instance.credentialsAwaiting ?? [];
  const reasons = [
    ...(awaiting.length > 0
      ? [
          `the destination of ${awaiting.join(', ')} changed, so the stored value was cleared: set it again (or to null if no longer needed)`,
        ]
      : []),
    ...(missing.length > 0 ? [`${missing.join(', ')} not set`] : []),
  ];
  return {
    configured: reasons.length === 0,
    message:
      reasons.length === 0
        ? null
        : `Waiting for credentials: ${reasons.join('; ')}. Use setInstanceCredentials (admins).`,
  };
}
