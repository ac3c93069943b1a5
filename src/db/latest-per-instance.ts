// The newest row of a per-instance history table for many instances in one statement.
// A LATERAL subquery with LIMIT 1 walks the (instanceId, time DESC) index once per
// instance, so its cost follows the page size, never the length of the history.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { Backup, Deployment, HealthSample } from '../generated/prisma/client.js';

interface LatestRows {
  Backup: Backup;
  Deployment: Deployment;
  HealthSample: HealthSample;
}

const timeColumn: Record<keyof LatestRows, string> = {
  Backup: 'createdAt',
  Deployment: 'createdAt',
  HealthSample: 'checkedAt',
};

export async function latestPerInstance<Table extends keyof LatestRows>(
  prisma: PrismaClient,
  table: Table,
  instanceIds: readonly string[],
): Promise<Map<string, LatestRows[Table]>> {
  if (instanceIds.length === 0) return new Map();
  // Both identifiers come from the fixed table above, never from input.
  const from = Prisma.raw(`"${table}"`);
  const orderBy = Prisma.raw(`"${timeColumn[table]}"`);
  const rows = await prisma.$queryRaw<LatestRows[Table][]>`
    SELECT latest.*
    FROM unnest(${[...instanceIds]}::uuid[]) AS parent(id)
    CROSS JOIN LATERAL (
      SELECT * FROM ${from} AS row
      WHERE row."instanceId" = parent.id
      ORDER BY row.${orderBy} DESC, row.id DESC
      LIMIT 1
    ) AS latest`;
  return new Map(rows.map((row) => [row.instanceId, row]));
}
