// The newest row of per-instance history tables for many instances in one statement.
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

const tables = Object.keys(allColumns) as Array<keyof LatestRows>;

/** Each table's bounded columns, from the generated client's field list. */
export const boundedColumns = Object.fromEntries(
  tables.map((table) => {
    const skipped: readonly string[] = unboundedColumns[table];
    return [table, allColumns[table].filter((column) => !skipped.includes(column))];
  }),
) as Record<keyof LatestRows, string[]>;

/** A table to join, and its columns to read (default: every bounded one). */
export interface LatestRead {
  table: keyof LatestRows;
  columns?: readonly string[];
}

/** Columns come back named `Table.column`, so several tables fit in one row. */
const aliasOf = (table: string, column: string) => `${table}.${column}`;
const columnsOf = (read: LatestRead) => read.columns ?? boundedColumns[read.table];

/** Each read's columns beside their aliases, made once per table and column list (a query shape). */
const aliasedColumns = new Map<string, Array<[string, string]>>();
function aliased(read: LatestRead): Array<[string, string]> {
  const columns = columnsOf(read);
  const key = `${read.table}:${columns.join(',')}`;
  let pairs = aliasedColumns.get(key);
  if (!pairs) {
    pairs = columns.map((column): [string, string] => [column, aliasOf(read.table, column)]);
    // Shapes come from queries' selections, a bounded set in practice; the cap keeps it so.
    if (aliasedColumns.size < 1000) aliasedColumns.set(key, pairs);
  }
  return pairs;
}

/**
 * The select list and LATERAL joins for a set of tables, against the instance ids of a
 * relation named `parent`. Every identifier comes from the fixed tables above or from a
 * column list checked against them, never from input.
 */
export function latestJoins(reads: readonly LatestRead[]): { columns: string; joins: string } {
  const columns = reads.flatMap((read, index) =>
    columnsOf(read).map((column) => `l${index}."${column}" AS "${aliasOf(read.table, column)}"`),
  );
  const joins = reads.map(
    (read, index) =>
      `LEFT JOIN LATERAL (SELECT ${columnsOf(read)
        .map((column) => `row."${column}"`)
        .join(', ')}` +
      ` FROM "${read.table}" AS row WHERE row."instanceId" = parent.id` +
      ` ORDER BY row."${timeColumn[read.table]}" DESC, row.id DESC LIMIT 1) AS l${index} ON true`,
  );
  return { columns: columns.join(', '), joins: joins.join('\n') };
}

/** The asked tables, in a fixed order. */
export function latestTables<Table extends keyof LatestRows>(asked: readonly Table[]): Table[] {
  return tables.filter((table): table is Table => (asked as readonly string[]).includes(table));
}

/**
 * The newest row of one table out of a joined row; null when the instance has none. With
 * a column list, only those columns are there (the caller asked for no more).
 */
export function latestRowOf(row: Record<string, unknown>, read: LatestRead): Record<string, unknown> | null {
  const latest: Record<string, unknown> = {};
  for (const [column, alias] of aliased(read)) latest[column] = row[alias];
  // The left join leaves a table's columns null when the instance has no row there.
  return latest.id === null || latest.id === undefined ? null : latest;
}

/** The newest row of each asked table, by instance id. */
export type LatestByTable<Table extends keyof LatestRows> = { [Name in Table]: Map<string, LatestRows[Name]> };

/**
 * The newest row of several tables for many instances in one statement: one LATERAL
 * subquery per table (each walking its own index as above), side by side in one row per
 * instance. Columns come back as `Table.column` and are split into one row per table; an
 * instance without a row in a table has none there. Every table is read for every given
 * instance: callers look up only the rows they asked for.
 */
export async function latestRowsPerInstance<Table extends keyof LatestRows>(
  prisma: PrismaClient,
  asked: readonly Table[],
  instanceIds: readonly string[],
): Promise<LatestByTable<Table>> {
  const wanted = latestTables(asked);
  const byTable = Object.fromEntries(wanted.map((table) => [table, new Map()])) as LatestByTable<Table>;
  if (instanceIds.length === 0 || wanted.length === 0) return byTable;
  const { columns, joins } = latestJoins(wanted.map((table) => ({ table })));
  const rows = await prisma.$queryRaw<Array<Record<string, unknown>>>`
    SELECT ${Prisma.raw(columns)}
    FROM unnest(${[...new Set(instanceIds)]}::uuid[]) AS parent(id)
    ${Prisma.raw(joins)}`;
  for (const row of rows) {
    for (const table of wanted) {
      const latest = latestRowOf(row, { table });
      if (latest) (byTable[table] as Map<string, unknown>).set(latest.instanceId as string, latest);
    }
  }
  return byTable;
}
