// A key limited to some instances reads and writes through a database client that can
// only reach those instances' rows: every query on an instance-owned model gets the
// limit added to its `where`, so lists, lookups by id, subscriptions and services see the
// other instances exactly as missing ones, without each of them having to remember.
import type { PrismaClient } from '../../generated/prisma/client.js';

type Where = Record<string, unknown>;

/** How each instance-owned model names its instance; the limit added to its `where`. */
function limits(instanceIds: string[]): Record<string, Where> {
  const byInstance = { instanceId: { in: instanceIds } };
  return {
    odooInstance: { id: { in: instanceIds } },
    backup: byInstance,
    deployment: byInstance,
    restore: { targetInstanceId: { in: instanceIds } },
    healthSample: byInstance,
    metricSample: byInstance,
    logEntry: byInstance,
    instancePollState: byInstance,
    operation: byInstance,
    // The company's default policy (no instance) applies to the key's instances too.
    backupPolicy: { OR: [{ instanceId: null }, byInstance] },
  };
}

/** Adds `limit` to a where (unique wheres accept AND beside their unique fields). */
function narrowed(where: Where | undefined, limit: Where): Where {
  const and = where?.AND === undefined ? [] : Array.isArray(where.AND) ? where.AND : [where.AND];
  return { ...where, AND: [...and, limit] };
}

const FILTERED_OPERATIONS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
  'upsert',
]);

const MAX_CACHED_SCOPES = 1000;

/**
 * Scoped clients over `prisma`, one per set of instances (kept for reuse: extending a
 * client per request would cost more than the request's queries).
 */
export function createInstanceScopes(prisma: PrismaClient): (instanceIds: readonly string[]) => PrismaClient {
  const cache = new Map<string, PrismaClient>();
  return (instanceIds) => {
    const ids = [...instanceIds].sort();
    const cacheKey = ids.join(',');
    const cached = cache.get(cacheKey);
    if (cached) return cached;
    const client = scopedToInstances(prisma, ids);
    if (cache.size >= MAX_CACHED_SCOPES) cache.delete(cache.keys().next().value!);
    cache.set(cacheKey, client);
    return client;
  };
}

/** A client that reaches only the rows of these instances. */
export function scopedToInstances(prisma: PrismaClient, instanceIds: readonly string[]): PrismaClient {
  const byModel = limits([...instanceIds]);
  const extended = prisma.$extends({
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          const limit = byModel[model[0]!.toLowerCase() + model.slice(1)];
          if (!limit || !FILTERED_OPERATIONS.has(operation)) return query(args);
          const withWhere = args as { where?: Where };
          return query({ ...withWhere, where: narrowed(withWhere.where, limit) } as typeof args);
        },
      },
    },
  });
  // The extension changes which rows queries reach, not the client's API: same shape.
  return extended as unknown as PrismaClient;
}
