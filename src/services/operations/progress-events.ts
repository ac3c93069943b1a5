// An `operationProgress` event each time a long operation moves to another step, so
// screens see its progress move even while the subject's status stays the same
// (`fleetEvents` stays what it is: one event per status change). The event names the
// subject its definition declares.
import type { Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { PubSub } from '../../pubsub.js';
import { currentStatus } from '../events/transitions.js';
import type { OperationDeclaration } from './define.js';
import { declarationOf } from './handlers.js';
import type { StepOutcome } from './worker.js';

export async function publishStepChange(
  deps: { prisma: PrismaClient; pubsub: PubSub },
  operation: Operation,
  outcome: StepOutcome,
  declarations?: readonly OperationDeclaration[],
): Promise<void> {
  if (!('next' in outcome) || outcome.next === operation.step || !operation.subjectId) return;
  const declaration = declarationOf(operation.kind, declarations);
  if (!declaration) return;
  const status = await currentStatus(deps.prisma, declaration.subject, operation.subjectId);
  if (status === null) return;
  deps.pubsub.publish('operationProgress', operation.companyId, {
    companyId: operation.companyId,
    kind: declaration.subject,
    subjectId: operation.subjectId,
    instanceId: operation.instanceId ?? undefined,
    status,
    occurredAt: new Date().toISOString(),
  });
}
