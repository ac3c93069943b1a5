// The newest row of a per-instance history table for many instances in one statement.
// A LATERAL subquery with LIMIT 1 walks the (instanceId, time DESC) index once per
// instance, so its cost follows the page size, never the length of the history.
// Columns are named, never `*`: unbounded columns (a deployment's build log) are left out,
// and whoever needs them loads them for the rows that ask (see `unboundedColumns`).
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { Backup, Deployment, HealthSample } from '../generated/prisma/client.js';

/** Columns whose size has no bound: not read with the latest rows. */
export const unboundedColumns = { Backup: [], Deployment: ['log'], HealthSample: [] } as const;

type Unbounded<Table extends keyof typeof unboundedColumns> = (typeof unboundedColumns)[Table][number];

export interface LatestRows {
  Backup: Omit<Backup, Unbounded<'Backup'>>;
  Deployment: Omit<Deployment, Unbounded<'Deployment'>>;
  HealthSample: Omit<HealthSample, Unbounded<'HealthSample'>>;
}

const allColumns: Record<keyof LatestRows, readonly string[]> = {
  Backup: Object.values(Prisma.BackupScalarFieldEnum),
  Deployment: Object.values(Prisma.DeploymentScalarFieldEnum),
  HealthSample: Object.values(Prisma.HealthSampleScalarFieldEnum),
};

const timeColumn: Record<keyof LatestRows, string> = {
  Backup: 'createdAt',
  Deployment: 'createdAt',
  HealthSample: 'checkedAt',
};

/** A table's bounded columns, from the generated client's field list. */
const boundedColumns = (table: keyof LatestRows): string[] => {
  const skipped: readonly string[] = unboundedColumns[table];
  return allColumns[table].filter((column) => !skipped.includes(column));
};

/** `alias."a", alias."b", …`, built once per table and alias. */
const columnList = (table: keyof LatestRows, alias: string) =>
  boundedColumns(table)
    .map((column) => `${alias}."${column}"`)
    .join(', ');
const tables = Object.keys(allColumns) as Array<keyof LatestRows>;
const innerColumns = Object.fromEntries(tables.map((table) => [table, columnList(table, 'row')])) as Record<
  keyof LatestRows,
  string
>;
const outerColumns = Object.fromEntries(tables.map((table) => [table, columnList(table, 'latest')])) as Record<
  keyof LatestRows,
  string
>;

export async function latestPerInstance<Table extends keyof LatestRows>(
  prisma: PrismaClient,
  table: Table,
  instanceIds: readonly string[],
): Promise<Map<string, LatestRows[Table]>> {
  if (instanceIds.length === 0) return new Map();
  // Every identifier comes from the fixed tables above, never from input.
  const from = Prisma.raw(`"${table}"`);
  const orderBy = Prisma.raw(`"${timeColumn[table]}"`);
  const rows = await prisma.$queryRaw<LatestRows[Table][]>`
    SELECT ${Prisma.raw(outerColumns[table])}
    FROM unnest(${[...instanceIds]}::uuid[]) AS parent(id)
    CROSS JOIN LATERAL (
      SELECT ${Prisma.raw(innerColumns[table])} FROM ${from} AS row
      WHERE row."instanceId" = parent.id
      ORDER BY row.${orderBy} DESC, row.id DESC
      LIMIT 1
    ) AS latest`;
  return new Map(rows.map((row) => [row.instanceId, row]));
}
