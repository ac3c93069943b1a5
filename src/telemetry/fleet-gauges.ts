// Gauges read at scrape time: the fleet's state from the database (a few grouped counts
// over indexed columns, cheap enough for every replica to answer on its own), the
// database pool, and the provider circuit breakers of this process.
import { Gauge } from 'prom-client';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { BreakerState } from '../providers/circuit-breaker.js';
import type { FleetMetrics } from './metrics.js';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface FleetGaugeSources {
  prisma: PrismaClient;
  /** the database pool of this process, when it has one it can show */
  poolStats?: () => PoolStats;
  /** breaker state by remote base URL */
  breakerStates?: () => Iterable<[string, BreakerState]>;
}

interface FleetSnapshot {
  instances: Array<{ status: string; count: number }>;
  operations: Array<{ kind: string; status: string; count: number; oldest_seconds: number }>;
  deliveries: Array<{ status: string; count: number }>;
  pollBacklog: number;
}

const BREAKER_STATES: BreakerState[] = ['closed', 'half-open', 'open'];

export function registerFleetGauges(metrics: FleetMetrics, sources: FleetGaugeSources): void {
  const { prisma } = sources;
  const registers = [metrics.registry];
  // All database gauges of one scrape share one round of queries, read as the scrape starts.
  let latest: FleetSnapshot = { instances: [], operations: [], deliveries: [], pollBacklog: 0 };
  metrics.refreshOnScrape(async () => {
    latest = await readSnapshot(prisma);
  });
  const snapshot = () => latest;

  new Gauge({
    name: 'fleet_instances',
    help: 'Instances of every company, by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      this.reset();
      for (const row of snapshot().instances) this.set({ status: row.status }, row.count);
    },
  });
  new Gauge({
    name: 'fleet_operations_active',
    help: 'Long operations not yet finished, by kind and state (PENDING waits for a worker, RUNNING holds a lease)',
    labelNames: ['kind', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const row of snapshot().operations) this.set({ kind: row.kind, state: row.status }, row.count);
    },
  });
  new Gauge({
    name: 'fleet_operations_oldest_age_seconds',
    help: 'Age of the oldest unfinished long operation, by kind and state: a growing value means stuck work',
    labelNames: ['kind', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const row of snapshot().operations) this.set({ kind: row.kind, state: row.status }, row.oldest_seconds);
    },
  });
  new Gauge({
    name: 'fleet_webhook_deliveries',
    help: 'Webhook deliveries waiting to be sent (PENDING) or given up (FAILED)',
    labelNames: ['status'] as const,
    registers,
    collect() {
      this.reset();
      for (const status of ['PENDING', 'FAILED']) this.set({ status }, 0);
      for (const row of snapshot().deliveries) this.set({ status: row.status }, row.count);
    },
  });
  new Gauge({
    name: 'fleet_poller_backlog_instances',
    help: 'Instances due for a poll that no replica has claimed yet',
    registers,
    collect() {
      this.set(snapshot().pollBacklog);
    },
  });

  if (sources.poolStats) {
    const poolStats = sources.poolStats;
    new Gauge({
      name: 'fleet_db_pool_connections',
      help: 'Database pool connections of this process, by state (idle, busy) and the pool size (max)',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const stats = poolStats();
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'busy' }, stats.total - stats.idle);
        this.set({ state: 'max' }, stats.max);
      },
    });
    new Gauge({
      name: 'fleet_db_pool_waiting_requests',
      help: 'Queries waiting for a free database connection in this process',
      registers,
      collect() {
        this.set(poolStats().waiting);
      },
    });
  }

  if (sources.breakerStates) {
    const breakerStates = sources.breakerStates;
    new Gauge({
      name: 'fleet_provider_circuit_breaker_state',
      help: 'Circuit breakers of this process by remote base URL: 1 for the current state, 0 for the others',
      labelNames: ['base_url', 'state'] as const,
      registers,
      collect() {
        this.reset();
        for (const [baseUrl, current] of breakerStates()) {
          for (const state of BREAKER_STATES) this.set({ base_url: baseUrl, state }, state === current ? 1 : 0);
        }
      },
    });
  }
}

async function readSnapshot(prisma: PrismaClient): Promise<FleetSnapshot> {
  const [instances, operations, deliveries, backlog] = await Promise.all([
    prisma.$queryRaw<
      FleetSnapshot['instances']
    >`SELECT status::text AS status, count(*)::int AS count FROM "OdooInstance" GROUP BY status`,
    prisma.$queryRaw<FleetSnapshot['operations']>`
      SELECT kind::text AS kind, status::text AS status, count(*)::int AS count,
        COALESCE(EXTRACT(EPOCH FROM now() - min("createdAt")), 0)::float8 AS oldest_seconds
      FROM "Operation" WHERE status IN ('PENDING', 'RUNNING') GROUP BY kind, status`,
    prisma.$queryRaw<FleetSnapshot['deliveries']>`
      SELECT status::text AS status, count(*)::int AS count FROM "WebhookDelivery"
      WHERE status IN ('PENDING', 'FAILED') GROUP BY status`,
    prisma.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM "InstancePollState"
      WHERE "nextPollAt" <= now() AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" < now())`,
  ]);
  return { instances, operations, deliveries, pollBacklog: backlog[0]?.count ?? 0 };
}
