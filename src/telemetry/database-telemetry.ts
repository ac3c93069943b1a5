// Telemetry of the database layer: operations remember the request that started them,
// and each SQL statement sent through the pool is a span under the current one.
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Telemetry } from './telemetry.js';
import { inSpan } from './tracing.js';

/** The client, with every new Operation stamped with the id of the request creating it. */
export function stampingRequestIds(prisma: PrismaClient, telemetry: Telemetry): PrismaClient {
  const { context } = telemetry;
  return prisma.$extends({
    query: {
      operation: {
        create({ args, query }) {
          const requestId = context.current()?.requestId;
          return query(requestId && !args.data.requestId ? { ...args, data: { ...args.data, requestId } } : args);
        },
      },
    },
    // The extended client answers every call the plain one does; services keep the plain type.
  }) as unknown as PrismaClient;
}

/**
 * Traces the statements sent through the pool (a no-op without tracing): those sent with
 * `pool.query` (Prisma's reads) and those on a checked-out client (transactions).
 */
export function traceStatements(pool: pg.Pool, telemetry: Telemetry): void {
  const { tracing, context } = telemetry;
  if (!tracing) return;
  const traced =
    (send: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      // Callback-style calls (pg's own internals, pool.query's inner call) pass through untraced.
      if (typeof args[args.length - 1] === 'function') return send(...args);
      const config = args[0];
      const text = typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '');
      return inSpan(
        tracing,
        context,
        'db.query',
        { 'db.system': 'postgresql', 'db.statement': text.slice(0, 2000) },
        async () => send(...args),
      );
    };
  (pool as { query: unknown }).query = traced(pool.query.bind(pool) as (...args: unknown[]) => unknown);
  pool.on('connect', (client) => {
    (client as { query: unknown }).query = traced(client.query.bind(client) as (...args: unknown[]) => unknown);
  });
}
