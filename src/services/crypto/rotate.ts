// Re-encrypts every stored secret to the current key, in batches. Each row is updated
// only if it still holds the envelope that was read (a concurrent credential change
// wins), so the job can be interrupted at any point and simply run again.
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import type { KeyRing } from './key-ring.js';
import { secretColumns, type SecretTable } from './secret-columns.js';

export interface RotationOptions {
  batchSize?: number;
  /** stop after this many batches (tests use it to interrupt a rotation) */
  maxBatches?: number;
  onProgress?: (progress: { table: string; column: string; reEncrypted: number }) => void;
}

export interface RotationResult {
  keyId: string;
  reEncrypted: number;
  /** envelopes still sealed with an older key (0 when the rotation is complete) */
  remaining: number;
}

export async function countStaleSecrets(prisma: PrismaClient, keyRing: KeyRing): Promise<number> {
  let stale = 0;
  for (const [table, column] of eachSecretColumn()) {
    const [{ count }] = await prisma.$queryRaw<[{ count: bigint }]>`
      SELECT count(*) AS count FROM ${Prisma.raw(`"${table}"`)}
      WHERE ${Prisma.raw(`"${column}"`)} IS NOT NULL
        AND ${Prisma.raw(`"${column}"`)} NOT LIKE ${currentPrefix(keyRing)}`;
    stale += Number(count);
  }
  return stale;
}

export async function rotateSecrets(
  deps: { prisma: PrismaClient; keyRing: KeyRing },
  options: RotationOptions = {},
): Promise<RotationResult> {
  const { prisma, keyRing } = deps;
  const batchSize = options.batchSize ?? 200;
  let batches = 0;
  let reEncrypted = 0;
  for (const [table, column] of eachSecretColumn()) {
    const tableSql = Prisma.raw(`"${table}"`);
    const columnSql = Prisma.raw(`"${column}"`);
    let lastId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches) {
        return { keyId: keyRing.currentKeyId, reEncrypted, remaining: await countStaleSecrets(prisma, keyRing) };
      }
      // Keyset pagination by id: rows skipped because they changed meanwhile are not re-read forever.
      const rows = await prisma.$queryRaw<Array<{ id: string; value: string }>>`
        SELECT id::text AS id, ${columnSql} AS value FROM ${tableSql}
        WHERE ${columnSql} IS NOT NULL AND ${columnSql} NOT LIKE ${currentPrefix(keyRing)} AND id > ${lastId}::uuid
        ORDER BY id LIMIT ${batchSize}`;
      if (rows.length === 0) break;
      batches += 1;
      for (const row of rows) {
        const slot = { table, column, rowId: row.id };
        const resealed = keyRing.encrypt(keyRing.decrypt(row.value, slot), slot);
        reEncrypted += await prisma.$executeRaw`
          UPDATE ${tableSql} SET ${columnSql} = ${resealed}
          WHERE id = ${row.id}::uuid AND ${columnSql} = ${row.value}`;
      }
      lastId = rows[rows.length - 1]!.id;
      options.onProgress?.({ table, column, reEncrypted });
    }
  }
  return { keyId: keyRing.currentKeyId, reEncrypted, remaining: await countStaleSecrets(prisma, keyRing) };
}

function currentPrefix(keyRing: KeyRing): string {
  return `v1.${keyRing.currentKeyId}.%`;
}

function* eachSecretColumn(): Generator<[SecretTable, string]> {
  for (const [table, columns] of Object.entries(secretColumns) as Array<[SecretTable, readonly string[]]>) {
    for (const column of columns) yield [table, column];
  }
}
