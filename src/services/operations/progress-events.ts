// An `operationProgress` event each time a long operation moves to another step, so
// screens see its progress move even while the subject's status stays the same
// (`fleetEvents` stays what it is: one event per status change).
import type { Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { FleetEventPayload, PubSub } from '../../pubsub.js';
import type { StepOutcome } from './worker.js';

const EVENT_KIND: Record<Operation['kind'], FleetEventPayload['kind']> = {
  CREATE_INSTANCE: 'INSTANCE',
  DELETE_INSTANCE: 'INSTANCE',
  BACKUP: 'BACKUP',
  RESTORE: 'RESTORE',
  DEPLOY: 'DEPLOYMENT',
};

export async function publishStepChange(deps: { prisma: PrismaClient; pubsub: PubSub }, operation: Operation, outcome: StepOutcome): Promise<void> {
  if (!('next' in outcome) || outcome.next === operation.step || !operation.subjectId) return;
  const where = { where: { id: operation.subjectId }, select: { status: true } } as const;
  const subject =
    operation.kind === 'BACKUP' ? await deps.prisma.backup.findUnique(where)
    : operation.kind === 'RESTORE' ? await deps.prisma.restore.findUnique(where)
    : operation.kind === 'DEPLOY' ? await deps.prisma.deployment.findUnique(where)
    : await deps.prisma.odooInstance.findUnique(where);
  if (!subject) return;
  deps.pubsub.publish('operationProgress', operation.companyId, {
    companyId: operation.companyId,
    kind: EVENT_KIND[operation.kind],
    subjectId: operation.subjectId,
    instanceId: operation.instanceId ?? undefined,
    status: subject.status,
    occurredAt: new Date().toISOString(),
  });
}
