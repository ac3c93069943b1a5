// Which replica polls which instance: every live instance has a row of
// InstancePollState; a replica claims due rows with a lease (src/db/leases.ts, the one
// the worker uses for operations: two replicas never claim the same row), polls them, and
// writes the outcome back while it still holds the lease. A replica that dies keeps its
// leases only until they expire.
import { leaseOf } from '../db/leases.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { HealthStatus } from '../generated/prisma/enums.js';

/** Instances worth polling: they exist at their provider and are not going away. */
const POLLED_STATUSES = ['RUNNING', 'SUSPENDED', 'MAINTENANCE', 'ERROR'];

export interface ClaimedPollState {
  instanceId: string;
  consecutiveFailures: number;
  lastHealthStatus: HealthStatus;
  lastHealthChecks: unknown;
  lastHealthSampleAt: Date | null;
  lastMetricAt: Date | null;
  lastLogAt: Date | null;
  /** with lastLogAt, the (timestamp, id) cursor of the instance's log */
  lastLogId: string | null;
  lastPolledAt: Date | null;
  nextPollAt: Date;
  lastError: string | null;
}

const CLAIMED_COLUMNS = Prisma.sql`leased."instanceId", leased."consecutiveFailures", leased."lastHealthStatus", leased."lastHealthChecks",
  leased."lastHealthSampleAt", leased."lastMetricAt", leased."lastLogAt", leased."lastLogId", leased."lastPolledAt", leased."nextPollAt", leased."lastError"`;

/** A replica's lease on poll states (`leaseMs` only matters to claims). */
const pollLease = (owner: string, leaseMs = 0) => leaseOf('InstancePollState', { owner, leaseMs });

/** Gives every pollable instance a poll state (due at once). */
export async function ensurePollStates(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO "InstancePollState" ("instanceId")
    SELECT i.id FROM "OdooInstance" i
    WHERE i.status::text = ANY(${POLLED_STATUSES}::text[]) AND i."instanceId" IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "InstancePollState" s WHERE s."instanceId" = i.id)
    ON CONFLICT DO NOTHING`;
}

/**
 * Claims up to `limit` due instances, the longest due first (never polled ones before
 * others at the same instant), skipping `exclude` (those this tick already tried).
 */
export async function claimDueInstances(
  prisma: PrismaClient,
  owner: string,
  limit: number,
  leaseMs: number,
  exclude: string[] = [],
): Promise<ClaimedPollState[]> {
  const lease = pollLease(owner, leaseMs);
  const claimed = await lease.claim<ClaimedPollState>(prisma, {
    candidates: Prisma.sql`
      SELECT ps."instanceId" FROM "InstancePollState" ps
      JOIN "OdooInstance" i ON i.id = ps."instanceId"
      WHERE ps."nextPollAt" <= now() AND ${lease.isFree('ps')}
        AND i.status::text = ANY(${POLLED_STATUSES}::text[]) AND i."instanceId" IS NOT NULL
        AND NOT (ps."instanceId" = ANY(${exclude}::uuid[]))
      ORDER BY ps."nextPollAt", ps."lastPolledAt" NULLS FIRST
      LIMIT ${limit}
      FOR UPDATE OF ps SKIP LOCKED`,
    returning: CLAIMED_COLUMNS,
  });
  // RETURNING keeps no order: poll them in the order they became due.
  const neverPolled = Number.NEGATIVE_INFINITY;
  return claimed.sort(
    (a, b) =>
      a.nextPollAt.getTime() - b.nextPollAt.getTime() ||
      (a.lastPolledAt?.getTime() ?? neverPolled) - (b.lastPolledAt?.getTime() ?? neverPolled),
  );
}

/** Claims one instance now (an explicit check), unless another poll holds it. */
export async function claimInstance(
  prisma: PrismaClient,
  owner: string,
  instanceId: string,
  leaseMs: number,
): Promise<ClaimedPollState | null> {
  // Only this instance's row, not a pass over the whole fleet.
  await prisma.$executeRaw`INSERT INTO "InstancePollState" ("instanceId") VALUES (${instanceId}::uuid) ON CONFLICT DO NOTHING`;
  const lease = pollLease(owner, leaseMs);
  const rows = await lease.claim<ClaimedPollState>(prisma, {
    candidates: Prisma.sql`
      SELECT ps."instanceId" FROM "InstancePollState" ps
      WHERE ps."instanceId" = ${instanceId}::uuid AND ${lease.isFree('ps')}
      FOR UPDATE SKIP LOCKED`,
    returning: CLAIMED_COLUMNS,
  });
  return rows[0] ?? null;
}

/** What a poll leaves for the next one; written back when the lease is released. */
export type PollOutcome = Omit<ClaimedPollState, 'lastPolledAt'>;

/**
 * Gives back instances that were claimed but not polled (their provider's circuit was
 * open, or the tick ran out of time): nothing about them changes, so they stay due, as
 * early in the queue as before.
 */
export async function releaseUnpolled(prisma: PrismaClient, owner: string, instanceIds: string[]): Promise<number> {
  if (instanceIds.length === 0) return 0;
  const lease = pollLease(owner);
  return prisma.$executeRaw`
    UPDATE "InstancePollState" s SET ${lease.releaseColumns}
    WHERE s."instanceId" = ANY(${instanceIds}::uuid[]) AND ${lease.isMine('s')}`;
}

/** Writes back a batch of outcomes in one statement, for rows this replica still holds. */
export async function releaseWithOutcomes(
  prisma: PrismaClient,
  owner: string,
  outcomes: PollOutcome[],
  polledAt: Date,
): Promise<number> {
  if (outcomes.length === 0) return 0;
  const lease = pollLease(owner);
  return prisma.$executeRaw`
    UPDATE "InstancePollState" s SET
      "nextPollAt" = v.next_poll_at, "consecutiveFailures" = v.failures,
      "lastHealthStatus" = v.health::"HealthStatus", "lastHealthChecks" = v.checks, "lastHealthSampleAt" = v.sample_at,
      "lastMetricAt" = v.metric_at, "lastLogAt" = v.log_at, "lastLogId" = v.log_id, "lastError" = v.error,
      "lastPolledAt" = ${polledAt}, "lastPolledBy" = ${owner}, ${lease.releaseColumns}
    FROM unnest(
      ${outcomes.map((o) => o.instanceId)}::uuid[],
      ${outcomes.map((o) => o.nextPollAt)}::timestamptz[],
      ${outcomes.map((o) => o.consecutiveFailures)}::int[],
      ${outcomes.map((o) => o.lastHealthStatus)}::text[],
      ${outcomes.map((o) => JSON.stringify(o.lastHealthChecks ?? {}))}::jsonb[],
      ${outcomes.map((o) => o.lastHealthSampleAt)}::timestamptz[],
      ${outcomes.map((o) => o.lastMetricAt)}::timestamptz[],
      ${outcomes.map((o) => o.lastLogAt)}::timestamptz[],
      ${outcomes.map((o) => o.lastLogId)}::text[],
      ${outcomes.map((o) => o.lastError)}::text[]
    ) AS v(instance_id, next_poll_at, failures, health, checks, sample_at, metric_at, log_at, log_id, error)
    WHERE s."instanceId" = v.instance_id AND ${lease.isMine('s')}`;
}
