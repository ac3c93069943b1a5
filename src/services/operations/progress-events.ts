// A fleet event each time a long operation moves to another step, so screens following
// `fleetEvents` see its progress move even while the subject's status stays the same.
import type { Operation, PrismaClient } from '../../generated/prisma/client.js';
import { publishFleetEvent, type FleetEventPayload, type PubSub } from '../../pubsub.js';
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
  if (subject) publishFleetEvent(deps.pubsub, EVENT_KIND[operation.kind], { id: operation.subjectId, companyId: operation.companyId, status: subject.status });
}
