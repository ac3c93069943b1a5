// A page of a company's instances, in one statement: the page is cut first (filter, order,
// keyset cursor, limit), then the newest backup, deployment and health sample of each of
// its rows are joined (LATERAL, one index walk each) and, when asked, the count of the
// whole list. The dashboard's query costs this statement and the key check, whatever the
// page size. Only the bounded, non-secret columns of an instance are read (listing
// columns below); a field that needs another column loads it itself.
import { latestJoins, latestRowOf, type LatestRead, type LatestRows } from './latest-per-instance.js';
import { escapeLikePattern } from './like-pattern.js';
import type { SqlReader } from './sql-reader.js';
import type { DeploymentMethod, InstanceStatus, SubscriptionTier } from '../generated/prisma/enums.js';
import type { OdooInstance } from '../generated/prisma/client.js';

/** What a listing reads of each instance: no secret, nothing unbounded. */
export const INSTANCE_LISTING_COLUMNS = [
  'id',
  'companyId',
  'instanceId',
  'name',
  'url',
  'database',
  'version',
  'deploymentMethod',
  'status',
  'statusMessage',
  'subscriptionId',
  'subscriptionTier',
  'gitRepositoryUrl',
  'gitBranch',
  'gitCommitHash',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof OdooInstance>;

export type InstanceListingRow = Pick<OdooInstance, (typeof INSTANCE_LISTING_COLUMNS)[number]>;

export type InstanceOrderField = 'name' | 'createdAt' | 'status';

export interface InstancePageQuery {
  companyId: string;
  /** a key limited to some instances reaches only these; null: all of the company's */
  instanceIds: readonly string[] | null;
  /** any of these; default: every status but DELETED */
  statuses?: readonly InstanceStatus[] | null;
  deploymentMethod?: DeploymentMethod | null;
  subscriptionTier?: SubscriptionTier | null;
  /** a case-insensitive part of the name, matched as typed (no wildcards) */
  nameContains?: string | null;
  order: { field: InstanceOrderField; direction: 'asc' | 'desc' };
  /** instance ids of the keyset cursors */
  after?: string | null;
  before?: string | null;
  limit: number;
  /** read backwards from `before` (a `last` page); rows come back in reverse order */
  inverted: boolean;
  /** listing columns to read besides id, companyId and status; default: all of them */
  columns?: ReadonlyArray<(typeof INSTANCE_LISTING_COLUMNS)[number]>;
  /** latest rows to join, each table once */
  latest: readonly LatestRead[];
  withTotalCount: boolean;
}

/**
 * The latest rows read with an instance of a page, by table (null: it has none), kept on
 * the instance's row under this symbol. They may hold only the columns the query asked.
 */
export const LATEST_ROWS = Symbol('latest rows read with the instance');
export type LatestRowsReadWith = { [Table in keyof LatestRows]?: Record<string, unknown> | null };

/** The latest row of `table` read with this instance's page: undefined when it was not read. */
export function latestReadWith(instance: object, table: keyof LatestRows): Record<string, unknown> | null | undefined {
  return (instance as { [LATEST_ROWS]?: LatestRowsReadWith })[LATEST_ROWS]?.[table];
}

export interface InstancePage {
  /** the instances, each with its latest rows under LATEST_ROWS */
  rows: InstanceListingRow[];
  /** the count of the whole list (every page), when asked */
  totalCount: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Stands in for a cursor that cannot be an instance's id: it matches nothing. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Read whatever else is asked: the id, the tenant and the status (the type's own needs). */
const ALWAYS_READ: readonly string[] = ['id', 'companyId', 'status'];

/** The WHERE conditions of the list (not the cursors), and their values from `$1`. */
function listConditions(query: InstancePageQuery): { conditions: string[]; values: unknown[] } {
  const values: unknown[] = [query.companyId];
  const conditions = ['i."companyId" = $1::uuid'];
  const param = (value: unknown, cast: string) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
  if (query.instanceIds) conditions.push(`i.id = ANY(${param(query.instanceIds, 'uuid[]')})`);
  conditions.push(
    query.statuses?.length
      ? `i.status = ANY(${param(query.statuses, '"InstanceStatus"[]')})`
      : `i.status <> 'DELETED'::"InstanceStatus"`,
  );
  if (query.deploymentMethod)
    conditions.push(`i."deploymentMethod" = ${param(query.deploymentMethod, '"DeploymentMethod"')}`);
  if (query.subscriptionTier)
    conditions.push(`i."subscriptionTier" = ${param(query.subscriptionTier, '"SubscriptionTier"')}`);
  if (query.nameContains)
    conditions.push(`i.name ILIKE ${param(`%${escapeLikePattern(query.nameContains)}%`, 'text')}`);
  return { conditions, values };
}

/**
 * Rows strictly past the cursor's row in the page's order (`after`), or strictly before
 * it (`before`): the order is the field, then the id ascending. A cursor naming no
 * instance of the company matches nothing.
 */
function keysetCondition(
  field: InstanceOrderField,
  direction: 'asc' | 'desc',
  side: 'after' | 'before',
  cursorParam: string,
): string {
  const fieldGoesUp = (direction === 'asc') === (side === 'after');
  const idComparison = side === 'after' ? '>' : '<';
  return (
    `EXISTS (SELECT 1 FROM "OdooInstance" c WHERE c.id = ${cursorParam} AND c."companyId" = $1::uuid` +
    ` AND (i."${field}" ${fieldGoesUp ? '>' : '<'} c."${field}"` +
    ` OR (i."${field}" = c."${field}" AND i.id ${idComparison} c.id)))`
  );
}

export async function readInstancePage(sql: SqlReader, query: InstancePageQuery): Promise<InstancePage> {
  const { conditions, values } = listConditions(query);
  const listWhere = conditions.join(' AND ');
  const listValues = [...values];
  const pageConditions = [...conditions];
  for (const side of ['after', 'before'] as const) {
    const cursor = query[side];
    if (cursor === undefined || cursor === null) continue;
    values.push(UUID.test(cursor) ? cursor : NIL_UUID);
    pageConditions.push(keysetCondition(query.order.field, query.order.direction, side, `$${values.length}::uuid`));
  }
  // A `last` page reads the order backwards from its end, then is turned around by the caller.
  const fieldDirection = (query.order.direction === 'asc') !== query.inverted ? 'ASC' : 'DESC';
  const idDirection = query.inverted ? 'DESC' : 'ASC';
  const orderOf = (relation: string) =>
    `${relation}."${query.order.field}" ${fieldDirection}, ${relation}.id ${idDirection}`;
  values.push(query.limit);
  const columns = query.columns
    ? INSTANCE_LISTING_COLUMNS.filter(
        // The order's column too: the outer statement orders by it.
        (column) => ALWAYS_READ.includes(column) || column === query.order.field || query.columns!.includes(column),
      )
    : INSTANCE_LISTING_COLUMNS;
  const columnsOf = (relation: string) => columns.map((column) => `${relation}."${column}"`).join(', ');
  const page = `SELECT ${columnsOf('i')} FROM "OdooInstance" i WHERE ${pageConditions.join(' AND ')} ORDER BY ${orderOf('i')} LIMIT $${values.length}::int`;
  const joined = query.latest.length > 0 ? latestJoins(query.latest) : null;
  const total = query.withTotalCount
    ? `, (SELECT count(*)::int FROM "OdooInstance" i WHERE ${listWhere}) AS "__totalCount"`
    : '';
  const text =
    `SELECT ${columnsOf('parent')}${total}${joined ? `, ${joined.columns}` : ''} FROM (${page}) AS parent` +
    `${joined ? `\n${joined.joins}` : ''} ORDER BY ${orderOf('parent')}`;
  const found = await sql.rows<Record<string, unknown>>(text, values);

  const result: InstancePage = { rows: [], totalCount: null };
  for (const row of found) {
    const instance: Record<string | symbol, unknown> = {};
    for (const column of columns) instance[column] = row[column];
    const latest: LatestRowsReadWith = {};
    for (const read of query.latest) latest[read.table] = latestRowOf(row, read);
    instance[LATEST_ROWS] = latest;
    result.rows.push(instance as InstanceListingRow);
  }
  if (query.withTotalCount) {
    // An empty page carries no count: a page past the end of a list that is not empty.
    const [counted] = found.length
      ? [{ count: found[0]!.__totalCount as number }]
      : await sql.rows<{ count: number }>(
          `SELECT count(*)::int AS count FROM "OdooInstance" i WHERE ${listWhere}`,
          listValues,
        );
    result.totalCount = counted?.count ?? 0;
  }
  return result;
}
