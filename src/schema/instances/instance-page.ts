// The `instances` connection: one statement reads the page, the latest rows its selection
// asks for and, when asked, the total count (db/instance-page.ts). Like Pothos' select
// mode, it reads the columns the selection needs: the asked listing columns of an
// instance, and of its latest rows the asked columns, which travel on the instance's row
// so `health`, `latestBackup` and `latestDeployment` resolve without a statement. A field
// this cannot map to a column gets every (bounded) column.
import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { formatPrismaCursor, parsePrismaCursor } from '@pothos/plugin-prisma';
import { resolveCursorConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import type { GraphQLContext } from '../../context.js';
import {
  INSTANCE_LISTING_COLUMNS,
  readInstancePage,
  type InstanceListingRow,
  type InstanceOrderField,
  type InstancePageQuery,
} from '../../db/instance-page.js';
import { boundedColumns, type LatestRead } from '../../db/latest-per-instance.js';
import { CONNECTION_PAGE_SIZE } from '../builder.js';
import { selectedFieldNames } from '../selection.js';
import { companyOf } from '../tenancy.js';
import type { DeploymentMethod, InstanceStatus, SubscriptionTier } from '../../generated/prisma/enums.js';

/** The fields of an instance served by the latest row of a table. */
const LATEST_FIELDS = { health: 'HealthSample', latestBackup: 'Backup', latestDeployment: 'Deployment' } as const;

type ListingColumn = (typeof INSTANCE_LISTING_COLUMNS)[number];
const LISTING_COLUMNS = new Set<string>(INSTANCE_LISTING_COLUMNS);
/** Fields of an instance that read no column but its id. */
const ID_ONLY_FIELDS = new Set<string>(['__typename', 'id', ...Object.keys(LATEST_FIELDS)]);

/** The listing columns the asked fields of an instance read; undefined: any of them may be. */
function instanceColumns(asked: ReadonlySet<string>): ListingColumn[] | undefined {
  const columns: ListingColumn[] = [];
  for (const name of asked) {
    if (LISTING_COLUMNS.has(name)) columns.push(name as ListingColumn);
    else if (!ID_ONLY_FIELDS.has(name)) return undefined;
  }
  return columns;
}

/** The columns of a latest row its asked fields read (with its ids); undefined: every bounded column. */
function latestColumns(table: LatestRead['table'], asked: ReadonlySet<string>): string[] | undefined {
  const bounded = boundedColumns[table];
  const columns = new Set(['id', 'instanceId']);
  for (const name of asked) {
    if (bounded.includes(name)) columns.add(name);
    else if (name !== '__typename') return undefined;
  }
  return bounded.filter((column) => columns.has(column));
}

/** The `filter` and `orderBy` arguments of `instances`, as GraphQL hands them over. */
interface InstanceFilterArgs {
  status?: InstanceStatus[] | null;
  deploymentMethod?: DeploymentMethod | null;
  subscriptionTier?: SubscriptionTier | null;
  nameContains?: string | null;
}
interface InstanceOrderArgs {
  field: string;
  direction?: 'asc' | 'desc' | null;
}

/** What a selection of `instances` reads: columns, latest rows, whether the count. */
type ReadPlan = Pick<InstancePageQuery, 'columns' | 'latest' | 'withTotalCount'>;

function planOf(info: GraphQLResolveInfo): ReadPlan {
  const asked = selectedFieldNames(info, ['edges', 'node']);
  return {
    columns: instanceColumns(asked),
    latest: (Object.keys(LATEST_FIELDS) as Array<keyof typeof LATEST_FIELDS>)
      .filter((field) => asked.has(field))
      .map((field) => ({
        table: LATEST_FIELDS[field],
        columns: latestColumns(LATEST_FIELDS[field], selectedFieldNames(info, ['edges', 'node', field])),
      })),
    withTotalCount: selectedFieldNames(info).has('totalCount'),
  };
}

/**
 * The plan of a field of a parsed document, made once: Yoga keeps parsed documents, and a
 * plan depends only on the document (fields under @skip/@include count as asked).
 */
const plans = new WeakMap<FieldNode, ReadPlan>();
function readPlanOf(info: GraphQLResolveInfo): ReadPlan {
  const field = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : null;
  let plan = field ? plans.get(field) : undefined;
  if (!plan) {
    plan = planOf(info);
    if (field) plans.set(field, plan);
  }
  return plan;
}

const cursorOf = (row: InstanceListingRow) => formatPrismaCursor(row, 'id');
const instanceIdOf = (cursor: string | undefined) => (cursor === undefined ? null : String(parsePrismaCursor(cursor)));

export async function instancePage(
  context: GraphQLContext,
  info: GraphQLResolveInfo,
  args: DefaultConnectionArguments & { filter?: InstanceFilterArgs | null; orderBy?: InstanceOrderArgs | null },
) {
  const plan = readPlanOf(info);
  const caller = context.caller;
  let totalCount: number | null = null;
  const connection = await resolveCursorConnection<Promise<InstanceListingRow[]>>(
    { args, ...CONNECTION_PAGE_SIZE, toCursor: cursorOf },
    async ({ after, before, limit, inverted }) => {
      const page = await readInstancePage(context.sql, {
        companyId: companyOf(context),
        instanceIds: caller?.kind === 'apiKey' ? caller.instanceIds : null,
        statuses: args.filter?.status,
        deploymentMethod: args.filter?.deploymentMethod,
        subscriptionTier: args.filter?.subscriptionTier,
        nameContains: args.filter?.nameContains,
        order: args.orderBy
          ? { field: args.orderBy.field as InstanceOrderField, direction: args.orderBy.direction ?? 'asc' }
          : { field: 'createdAt', direction: 'desc' },
        after: instanceIdOf(after),
        before: instanceIdOf(before),
        limit,
        inverted,
        ...plan,
      });
      totalCount = page.totalCount;
      return page.rows;
    },
  );
  return { ...connection, totalCount: totalCount ?? 0 };
}
