// Imports every type file (for their side effect on the builder) and builds the schema.
import { isObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars/scalars.js';
import './errors/error.types.js';
import './instances/instance.types.js';
import './instances/instance.queries.js';
import './instances/instance.mutations.js';
import './backups/backup.schema.js';
import './backups/backup.mutations.js';
import './backups/restore.schema.js';
import './backups/backup-policy.schema.js';
import './deployments/deployment.schema.js';
import './deployments/deployment.mutations.js';
import './templates/template.schema.js';
import './templates/template.mutations.js';
import './observability/observability.schema.js';
import './observability/observability.operations.js';
import './observability/instance-logs.subscription.js';
import './viewer/viewer.schema.js';
import './companies/company.schema.js';
import './api-keys/api-key.schema.js';
import './audit/audit.schema.js';
import './credentials/credentials.schema.js';
import './encryption/encryption.schema.js';
import './fleet/fleet-events.schema.js';
import './operations/progress.schema.js';
import './webhooks/webhook.schema.js';

builder.queryType({ description: "Reads of the caller's company's fleet." });
builder.mutationType({
  description: 'Changes; each takes one `input` and returns a result union of success and typed errors.',
});
builder.subscriptionType({
  description: 'Live updates over graphql-ws (or SSE), authenticated when the connection opens.',
});

/** The Prisma plugin adds `totalCount` to connections without a way to describe it. */
function describeTotalCounts(built: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(built.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const totalCount = type.getFields().totalCount;
    if (totalCount?.extensions?.pothosPrismaTotalCount && !totalCount.description) {
      totalCount.description = 'Number of items in the whole list, across all pages.';
    }
  }
  return built;
}

export const schema = describeTotalCounts(builder.toSchema());

/** The schema as committed in schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
