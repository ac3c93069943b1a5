// The `instances` connection: one statement reads the page, the latest rows its selection
// asks for and, when asked, the total count (db/instance-page.ts). The latest rows are
// handed to the request's loaders, so `health`, `latestBackup` and `latestDeployment` of
// these instances resolve without a statement of their own.
import type { GraphQLResolveInfo } from 'graphql';
import { formatPrismaCursor, parsePrismaCursor } from '@pothos/plugin-prisma';
import { resolveCursorConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import type { GraphQLContext } from '../../context.js';
import { readInstancePage, type InstanceListingRow, type InstanceOrderField } from '../../db/instance-page.js';
import { primeLatestRow } from '../loaders.js';
import { selectedFieldNames } from '../selection.js';
import { companyOf } from '../tenancy.js';
import type { InstanceFilterShape, InstanceOrderShape } from './instance.queries.js';

/** The fields of an instance served by the latest row of a table. */
const LATEST_FIELDS = { health: 'HealthSample', latestBackup: 'Backup', latestDeployment: 'Deployment' } as const;

export const INSTANCE_PAGE_SIZE = { defaultSize: 20, maxSize: 100 };

const cursorOf = (row: InstanceListingRow) => formatPrismaCursor(row, 'id');
const instanceIdOf = (cursor: string | undefined) => (cursor === undefined ? null : String(parsePrismaCursor(cursor)));

export async function instancePage(
  context: GraphQLContext,
  info: GraphQLResolveInfo,
  args: DefaultConnectionArguments & { filter?: InstanceFilterShape | null; orderBy?: InstanceOrderShape | null },
) {
  const asked = selectedFieldNames(info, ['edges', 'node']);
  const latest = (Object.keys(LATEST_FIELDS) as Array<keyof typeof LATEST_FIELDS>)
    .filter((field) => asked.has(field))
    .map((field) => LATEST_FIELDS[field]);
  const caller = context.caller;
  let totalCount: number | null = null;
  const connection = await resolveCursorConnection<Promise<InstanceListingRow[]>>(
    { args, ...INSTANCE_PAGE_SIZE, toCursor: cursorOf },
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
        latest,
        withTotalCount: selectedFieldNames(info).has('totalCount'),
      });
      for (const row of page.rows) {
        for (const table of latest) {
          primeLatestRow(context.loaders, table, row.id, page.latest[table]?.get(row.id) ?? null);
        }
      }
      totalCount = page.totalCount;
      return page.rows;
    },
  );
  return { ...connection, totalCount: totalCount ?? 0 };
}
