// Whether an instance has the secrets it needs, and if not, what to set: the base secrets
// of its provider, and any secret cleared because its repository or server changed.
import type { OdooInstance } from '../../generated/prisma/client.js';

export const credentialStateSelect = {
  deploymentMethod: true,
  providerTokenEnc: true,
  odooLogin: true,
  odooPasswordEnc: true,
  credentialsAwaiting: true,
} as const;

type CredentialColumns = Pick<OdooInstance, keyof typeof credentialStateSelect>;

export function credentialState(instance: CredentialColumns): { configured: boolean; message: string | null } {
  const missing =
    instance.deploymentMethod === 'ODOO_SH'
      ? instance.providerTokenEnc === null ? ['providerToken'] : []
      : [...(instance.odooLogin === null ? ['odooLogin'] : []), ...(instance.odooPasswordEnc === null ? ['odooPassword'] : [])];
  const awaiting = instance.credentialsAwaiting ?? [];
  const reasons = [
    ...(awaiting.length > 0
      ? [`the destination of ${awaiting.join(', ')} changed, so the stored value was cleared: set it again (or to null if no longer needed)`]
      : []),
    ...(missing.length > 0 ? [`${missing.join(', ')} not set`] : []),
  ];
  return {
    configured: reasons.length === 0,
    message: reasons.length === 0 ? null : `Waiting for credentials: ${reasons.join('; ')}. Use setInstanceCredentials (admins).`,
  };
}
