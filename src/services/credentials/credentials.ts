// Instance secrets: written encrypted and bound to their row and column, read only by
// the providers that need them, never returned through the API.
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { KeyRing } from '../crypto/key-ring.js';
import type { SecretColumn } from '../crypto/secret-columns.js';
import { invalidInputFrom, NotFoundError } from '../errors.js';

const secret = z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters');

const credentialsInput = z.object({
  providerToken: secret.nullish(),
  odooLogin: z.string().trim().min(1, 'must not be empty').max(200).nullish(),
  odooPassword: secret.nullish(),
  masterPassword: secret.nullish(),
  gitCredential: secret.nullish(),
});

export type CredentialsInput = z.input<typeof credentialsInput>;

const secretFields = {
  providerToken: 'providerTokenEnc',
  odooPassword: 'odooPasswordEnc',
  masterPassword: 'masterPasswordEnc',
  gitCredential: 'gitCredentialEnc',
} as const satisfies Record<string, SecretColumn<'OdooInstance'>>;

/**
 * Sets the given secrets; a field left out keeps its value, a field set to null clears it.
 */
export async function setInstanceCredentials(
  deps: { prisma: PrismaClient; keyRing: KeyRing },
  input: { companyId: string; instanceId: string; credentials: CredentialsInput },
) {
  const parsed = credentialsInput.safeParse(input.credentials);
  if (!parsed.success) throw invalidInputFrom(parsed.error.issues);
  const instance = await deps.prisma.odooInstance.findFirst({
    where: { id: input.instanceId, companyId: input.companyId },
    select: { id: true },
  });
  if (!instance) throw new NotFoundError('OdooInstance', input.instanceId);

  const data: Partial<Record<SecretColumn<'OdooInstance'> | 'odooLogin', string | null>> = {};
  for (const [field, column] of Object.entries(secretFields) as Array<[keyof typeof secretFields, SecretColumn<'OdooInstance'>]>) {
    const value = parsed.data[field];
    if (value === undefined) continue;
    data[column] = value === null ? null : deps.keyRing.encrypt(value, { table: 'OdooInstance', column, rowId: instance.id });
  }
  if (parsed.data.odooLogin !== undefined) data.odooLogin = parsed.data.odooLogin;
  const updated = await deps.prisma.odooInstance.update({ where: { id: instance.id }, data });
  // Operations waiting for these credentials may go on now.
  await deps.prisma.operation.updateMany({ where: { instanceId: instance.id, status: 'PENDING' }, data: { runAfter: new Date() } });
  return updated;
}

/** For providers: the decrypted secret of an instance, or null when none is stored. */
export function openInstanceSecret(
  keyRing: KeyRing,
  instance: { id: string } & Partial<Record<SecretColumn<'OdooInstance'>, string | null>>,
  column: SecretColumn<'OdooInstance'>,
): string | null {
  const envelope = instance[column];
  return envelope ? keyRing.decrypt(envelope, { table: 'OdooInstance', column, rowId: instance.id }) : null;
}
