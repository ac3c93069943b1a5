// An explicit health check of one instance (checkInstanceHealth): what the GraphQL layer
// asks of the poller (how polling goes across replicas is in poller-status.ts).
import type { OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { Poller } from '../../jobs/poller.js';
import { ConflictError, NotFoundError } from '../errors.js';

/** Polls an instance of the company now; the instance's row afterwards. */
export async function checkInstanceNow(
  deps: { prisma: PrismaClient; poller: Poller },
  request: { companyId: string; instanceId: string },
): Promise<OdooInstance> {
  const instance = await deps.prisma.odooInstance.findFirst({
    where: { id: request.instanceId, companyId: request.companyId, status: { not: 'DELETED' } },
  });
  if (!instance) throw new NotFoundError('OdooInstance', request.instanceId);
  if (!instance.instanceId)
    throw new ConflictError(`The instance is ${instance.status}: there is nothing to check yet.`);
  if (!(await deps.poller.pollNow(instance.id)))
    throw new ConflictError('A check of this instance is already in progress.');
  return deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: instance.id } });
}
