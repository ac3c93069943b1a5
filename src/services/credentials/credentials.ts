// Instance secrets: written encrypted and bound to their row, column and destination,
// read only by the providers that need them, never returned through the API.
import { z } from 'zod';
import type { OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { ProviderCatalog } from '../../providers/descriptor.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { secretColumns, type SecretColumn } from '../crypto/secret-columns.js';
import { secretDestination, type DestinationInputs } from '../crypto/secret-destinations.js';
import { NotFoundError } from '../errors.js';
import { parseInput } from '../validation.js';
import { repositoryUrlSchema, serverUrlSchema, type RepositoryPolicy } from '../instances/destination-urls.js';
import { providerScopeOf } from '../instances/provider-scope.js';

const secret = z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters');

function credentialsInput(policy: RepositoryPolicy) {
  return z.object({
    providerToken: secret.nullish(),
    odooLogin: z.string().trim().min(1, 'must not be empty').max(200).nullish(),
    odooPassword: secret.nullish(),
    masterPassword: secret.nullish(),
    // Odoo API keys are 40 hexadecimal characters (res.users.apikeys).
    odooApiKey: z
      .string()
      .regex(/^[0-9a-f]{40}$/i, 'must be an Odoo API key (40 hexadecimal characters)')
      .nullish(),
    gitCredential: secret.nullish(),
    // A destination and its secret in one call: the secret is bound to the new destination.
    gitRepositoryUrl: repositoryUrlSchema(policy).nullish(),
    serverUrl: serverUrlSchema.nullish(),
  });
}

export type CredentialsInput = z.input<ReturnType<typeof credentialsInput>>;

export type InstanceSecretColumn = SecretColumn<'OdooInstance'>;

/** The API's name of each secret column. */
export const secretFields = {
  providerToken: 'providerTokenEnc',
  odooPassword: 'odooPasswordEnc',
  masterPassword: 'masterPasswordEnc',
  odooApiKey: 'odooApiKeyEnc',
  gitCredential: 'gitCredentialEnc',
} as const satisfies Record<string, InstanceSecretColumn>;

export type SecretField = keyof typeof secretFields;

const fieldOfColumn = Object.fromEntries(
  Object.entries(secretFields).map(([field, column]) => [column, field]),
) as Record<InstanceSecretColumn, SecretField>;

export interface CredentialDeps {
  prisma: PrismaClient;
  keyRing: KeyRing;
  /** the Odoo.sh-style API base URL provider tokens are bound to */
  providerBaseUrl: string;
  repositoryPolicy: RepositoryPolicy;
  providers: ProviderCatalog;
}

type DestinationRow = Pick<OdooInstance, 'gitRepositoryUrl' | 'serverUrl'>;

export function instanceSecretSlot(
  instance: { id: string } & DestinationInputs,
  column: InstanceSecretColumn,
  providerBaseUrl: string,
) {
  const destination = secretDestination(secretColumns.OdooInstance[column], { ...instance, providerBaseUrl });
  return { table: 'OdooInstance', column, rowId: instance.id, destination };
}

/**
 * The stored secrets a change of destinations leaves unusable: their envelopes would no
 * longer open, so they are cleared and the instance waits for them again.
 */
export function secretsUnboundBy(
  before: DestinationRow & Partial<Record<InstanceSecretColumn, string | null>>,
  after: DestinationRow,
  providerBaseUrl: string,
): InstanceSecretColumn[] {
  const columns = Object.keys(secretColumns.OdooInstance) as InstanceSecretColumn[];
  return columns.filter((column) => {
    const source = secretColumns.OdooInstance[column];
    return (
      before[column] &&
      secretDestination(source, { ...before, providerBaseUrl }) !==
        secretDestination(source, { ...after, providerBaseUrl })
    );
  });
}

/** The `credentialsAwaiting` list after some secrets were unbound and others were set. */
export function awaitingAfter(
  current: readonly string[],
  unbound: readonly InstanceSecretColumn[],
  set: readonly SecretField[],
): string[] {
  const awaiting = new Set([...current, ...unbound.map((column) => fieldOfColumn[column])]);
  for (const field of set) awaiting.delete(field);
  return [...awaiting].sort();
}

/**
 * Sets the given secrets; a field left out keeps its value, a field set to null clears it.
 * With `gitRepositoryUrl` or `serverUrl`, the destination moves in the same write: secrets
 * given here are bound to the new one, the others bound to the old one are cleared.
 */
export async function setInstanceCredentials(
  deps: CredentialDeps,
  input: { companyId: string; instanceId: string; credentials: CredentialsInput },
) {
  const { gitRepositoryUrl, serverUrl, odooLogin, ...secrets } = parseInput(
    credentialsInput(deps.repositoryPolicy),
    input.credentials,
  );
  const instance = await deps.prisma.odooInstance.findFirst({
    where: { id: input.instanceId, companyId: input.companyId, status: { not: 'DELETED' } },
  });
  if (!instance) throw new NotFoundError('OdooInstance', input.instanceId);

  const target: DestinationRow & { id: string } = {
    id: instance.id,
    gitRepositoryUrl: gitRepositoryUrl !== undefined ? gitRepositoryUrl : instance.gitRepositoryUrl,
    serverUrl: serverUrl ?? instance.serverUrl,
  };
  const given = (Object.keys(secretFields) as SecretField[]).filter((field) => secrets[field] !== undefined);
  const unbound = secretsUnboundBy(instance, target, deps.providerBaseUrl).filter(
    (column) => !given.includes(fieldOfColumn[column]),
  );
  // The fleet makes a new API key from the password when none is stored: nothing waits for one.
  const awaited = unbound.filter((column) => column !== 'odooApiKeyEnc');
  const data: Record<string, string | string[] | null> = {};
  for (const column of unbound) data[column] = null;
  for (const field of given) {
    const value = secrets[field];
    const column = secretFields[field];
    data[column] = value ? deps.keyRing.encrypt(value, instanceSecretSlot(target, column, deps.providerBaseUrl)) : null;
  }
  if (gitRepositoryUrl !== undefined) data.gitRepositoryUrl = gitRepositoryUrl;
  if (serverUrl) {
    data.serverUrl = serverUrl;
    // The instance's identity is (server, database): it moves with the server.
    data.providerScope = providerScopeOf(deps.providers.descriptorOf(instance), serverUrl);
  }
  if (odooLogin !== undefined) data.odooLogin = odooLogin;
  data.credentialsAwaiting = awaitingAfter(instance.credentialsAwaiting, awaited, given);
  const updated = await deps.prisma.odooInstance.update({ where: { id: instance.id }, data });
  // Operations waiting for these credentials may go on now.
  await deps.prisma.operation.updateMany({
    where: { instanceId: instance.id, status: 'PENDING' },
    data: { runAfter: new Date() },
  });
  return updated;
}

/**
 * For providers and the git publisher: the decrypted secret of an instance, or null when
 * none is stored. It opens only for the destination the instance has now, so a secret
 * never reaches a repository or server it was not set for.
 */
export function openInstanceSecret(
  keyRing: KeyRing,
  instance: { id: string } & DestinationInputs & Partial<Record<InstanceSecretColumn, string | null>>,
  column: InstanceSecretColumn,
  providerBaseUrl = '',
): string | null {
  const envelope = instance[column];
  return envelope ? keyRing.decrypt(envelope, instanceSecretSlot(instance, column, providerBaseUrl)) : null;
}
