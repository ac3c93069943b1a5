// An explicit health check of one instance (checkInstanceHealth), and how polling goes
// across the replicas (pollerStatus): what the GraphQL layer asks of the poller.
import type { OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { Poller } from '../../jobs/poller.js';
import { ConflictError, NotFoundError } from '../errors.js';

/** Polls an instance of the company now; the instance's row afterwards. */
export async function checkInstanceNow(deps: { prisma: PrismaClient; poller: Poller }, request: { companyId: string; instanceId: string }): Promise<OdooInstance> {
  const instance = await deps.prisma.odooInstance.findFirst({ where: { id: request.instanceId, companyId: request.companyId, status: { not: 'DELETED' } } });
  if (!instance) throw new NotFoundError('OdooInstance', request.instanceId);
  if (!instance.instanceId) throw new ConflictError(`The instance is ${instance.status}: there is nothing to check yet.`);
  if (!(await deps.poller.pollNow(instance.id))) throw new ConflictError('A check of this instance is already in progress.');
  return deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: instance.id } });
}

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

/** The last tick of each replica that ticked in the last hour (latest first), and the backlog. */
export async function pollerStatus(prisma: PrismaClient): Promise<PollerStatus> {
  const [replicas, due, failing] = await Promise.all([
    prisma.$queryRaw<ReplicaTick[]>`
      SELECT DISTINCT ON (owner) owner, "startedAt", "durationMs", "instancesPolled", failures
      FROM "PollerTick" WHERE "startedAt" > now() - interval '1 hour'
      ORDER BY owner, "startedAt" DESC`,
    prisma.instancePollState.count({ where: { nextPollAt: { lte: new Date() } } }),
    prisma.instancePollState.count({ where: { consecutiveFailures: { gt: 0 } } }),
  ]);
  return { replicas: replicas.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()), instancesDue: due, instancesFailing: failing };
}
