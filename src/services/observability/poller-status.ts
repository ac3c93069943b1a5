// How polling goes across the replicas, for `pollerStatus`. A replica counts as live
// while its heartbeat (its last tick) is recent: a replica that keeps its instances on
// schedule ticks at least once an interval, so one silent for three intervals is gone
// (stopped, crashed, scaled away) and is not listed.
import type { PrismaClient } from '../../generated/prisma/client.js';

/** intervals without a tick after which a replica is no longer listed */
export const LIVE_WITHIN_INTERVALS = 3;

export interface ReplicaTick {
  owner: string;
  startedAt: Date;
  durationMs: number;
  instancesPolled: number;
  failures: number;
}

export interface PollerStatus {
  replicas: ReplicaTick[];
  instancesDue: number;
  instancesFailing: number;
}

export async function pollerStatus(prisma: PrismaClient, intervalMs: number): Promise<PollerStatus> {
  const liveWithinMs = Math.round(LIVE_WITHIN_INTERVALS * intervalMs);
  const [replicas, due, failing] = await Promise.all([
    prisma.$queryRaw<ReplicaTick[]>`
      SELECT DISTINCT ON (owner) owner, "startedAt", "durationMs", "instancesPolled", failures
      FROM "PollerTick" WHERE "startedAt" > now() - (${liveWithinMs}::int * interval '1 millisecond')
      ORDER BY owner, "startedAt" DESC`,
    prisma.instancePollState.count({ where: { nextPollAt: { lte: new Date() } } }),
    prisma.instancePollState.count({ where: { consecutiveFailures: { gt: 0 } } }),
  ]);
  return {
    replicas: replicas.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()),
    instancesDue: due,
    instancesFailing: failing,
  };
}
