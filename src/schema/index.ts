// Imports every type file (for their side effect on the builder) and builds the schema.
import { isObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars/scalars.js';
import './errors/error.types.js';
import './instances/instance.types.js';
import './instances/instance.queries.js';
import './backups/backup.schema.js';
import './deployments/deployment.schema.js';
import './templates/template.schema.js';
import './observability/observability.schema.js';
import './viewer/viewer.schema.js';

builder.queryType({ description: 'Reads of the caller\'s company\'s fleet.' });

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
