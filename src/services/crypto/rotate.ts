// Re-encrypts every stored secret to the current key, in batches. Each row is updated
// only if it still holds the envelope that was read (a concurrent credential change
// wins), so the job can be interrupted at any point and simply run again. The same pass
// binds envelopes sealed before destinations existed to their row's destination
// (`rebindLegacySecrets` runs only that part, at every start).
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { currentEnvelopePattern, DecryptionError, LEGACY_ENVELOPE_PATTERN, type KeyRing } from './key-ring.js';
import { secretColumns, type DestinationSource, type SecretTable } from './secret-columns.js';
import { secretDestination } from './secret-destinations.js';

export interface RotationOptions {
  batchSize?: number;
  /** stop after this many batches (tests use it to interrupt a rotation) */
  maxBatches?: number;
  onProgress?: (progress: { table: string; column: string; reEncrypted: number }) => void;
}

export interface RotationDeps {
  prisma: PrismaClient;
  keyRing: KeyRing;
  /** the Odoo.sh-style API base URL provider tokens are bound to */
  providerBaseUrl: string;
}

export interface RotationResult {
  keyId: string;
  reEncrypted: number;
  /** envelopes still sealed with an older key or not yet bound (0 when the rotation is complete) */
  remaining: number;
}

/** Which envelopes a pass re-seals. */
type Selection = 'stale' | 'legacy';

function selectionSql(column: Prisma.Sql, keyRing: KeyRing, selection: Selection): Prisma.Sql {
  return selection === 'legacy'
    ? Prisma.sql`${column} LIKE ${LEGACY_ENVELOPE_PATTERN}`
    : Prisma.sql`${column} NOT LIKE ${currentEnvelopePattern(keyRing.currentKeyId)}`;
}

async function countSelected(prisma: PrismaClient, keyRing: KeyRing, selection: Selection): Promise<number> {
  let count = 0;
  for (const { table, column } of eachSecretColumn()) {
    const columnSql = Prisma.raw(`"${column}"`);
    const [row] = await prisma.$queryRaw<[{ count: bigint }]>`
      SELECT count(*) AS count FROM ${Prisma.raw(`"${table}"`)}
      WHERE ${columnSql} IS NOT NULL AND ${selectionSql(columnSql, keyRing, selection)}`;
    count += Number(row.count);
  }
  return count;
}

export const countStaleSecrets = (prisma: PrismaClient, keyRing: KeyRing) => countSelected(prisma, keyRing, 'stale');

export function rotateSecrets(deps: RotationDeps, options: RotationOptions = {}): Promise<RotationResult> {
  return reseal(deps, options, 'stale');
}

/** Binds envelopes written before destinations were part of them; a no-op once done. */
export function rebindLegacySecrets(deps: RotationDeps): Promise<RotationResult> {
  return reseal(deps, {}, 'legacy');
}

async function reseal(deps: RotationDeps, options: RotationOptions, selection: Selection): Promise<RotationResult> {
  const { prisma, keyRing } = deps;
  const batchSize = options.batchSize ?? 200;
  let batches = 0;
  let reEncrypted = 0;
  const result = async () => ({
    keyId: keyRing.currentKeyId,
    reEncrypted,
    remaining: await countSelected(prisma, keyRing, selection),
  });
  for (const { table, column, source } of eachSecretColumn()) {
    const tableSql = Prisma.raw(`"${table}"`);
    const columnSql = Prisma.raw(`"${column}"`);
    // The row's destination column travels with the envelope it binds.
    const targetSql = source && source !== 'providerBaseUrl' ? Prisma.raw(`"${source}"`) : Prisma.raw('NULL');
    let lastId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches) return result();
      // Keyset pagination by id: rows skipped because they changed meanwhile are not re-read forever.
      const rows = await prisma.$queryRaw<Array<{ id: string; value: string; target: string | null }>>`
        SELECT id::text AS id, ${columnSql} AS value, ${targetSql}::text AS target FROM ${tableSql}
        WHERE ${columnSql} IS NOT NULL AND ${selectionSql(columnSql, keyRing, selection)} AND id > ${lastId}::uuid
        ORDER BY id LIMIT ${batchSize}`;
      if (rows.length === 0) break;
      batches += 1;
      for (const row of rows) {
        const destination = secretDestination(
          source,
          source ? { [source]: source === 'providerBaseUrl' ? deps.providerBaseUrl : row.target } : {},
        );
        let resealed: string;
        try {
          resealed = keyRing.reseal(row.value, { table, column, rowId: row.id, destination });
        } catch (error) {
          // An envelope whose destination changed under it never opens again; it stays
          // counted in `remaining` until its secret is set again.
          if (error instanceof DecryptionError && error.kind === 'mismatch') continue;
          throw error;
        }
        reEncrypted += await prisma.$executeRaw`
          UPDATE ${tableSql} SET ${columnSql} = ${resealed}
          WHERE id = ${row.id}::uuid AND ${columnSql} = ${row.value}`;
      }
      lastId = rows[rows.length - 1]!.id;
      options.onProgress?.({ table, column, reEncrypted });
    }
  }
  return result();
}

function* eachSecretColumn(): Generator<{ table: SecretTable; column: string; source: DestinationSource | null }> {
  for (const [table, columns] of Object.entries(secretColumns) as Array<
    [SecretTable, Record<string, DestinationSource | null>]
  >) {
    for (const [column, source] of Object.entries(columns)) yield { table, column, source };
  }
}
