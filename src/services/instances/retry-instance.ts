// An instance whose creation failed (a wrong master password, an unreachable server, a
// database name already taken) stays ERROR until someone fixes the cause; retrying
// starts its creation again as a new durable operation.
import { ConflictError, NotFoundError } from '../errors.js';
import { publishTransitions, recordTransition } from '../events/transitions.js';
import { createInstanceOperation } from './instance-operations.js';
import type { InstanceDeps } from './instances.js';

export async function retryInstanceCreation(deps: InstanceDeps, request: { companyId: string; instanceId: string }) {
  const where = { id: request.instanceId, companyId: request.companyId, status: { not: 'DELETED' as const } };
  const event = await deps.prisma.$transaction(async (tx) => {
    // One conditional update: of two retries at once, only one finds the instance in ERROR.
    // It goes through the caller's client, so a key limited to other instances finds nothing.
    const started = await tx.odooInstance.updateMany({
      where: { ...where, status: 'ERROR', instanceId: null },
      data: { status: 'CREATING', statusMessage: null },
    });
    if (started.count === 0) {
      const instance = await tx.odooInstance.findFirst({ where, select: { status: true, instanceId: true } });
      if (!instance) throw new NotFoundError('OdooInstance', request.instanceId);
      if (instance.status !== 'ERROR')
        throw new ConflictError(`Only an instance in ERROR can be retried; this one is ${instance.status}.`);
      throw new ConflictError('The instance exists at its provider: only a failed creation can be retried.');
    }
    await createInstanceOperation.record(tx, {
      companyId: request.companyId,
      instanceId: request.instanceId,
      subjectId: request.instanceId,
      input: {},
    });
    return recordTransition(
      tx,
      'INSTANCE',
      'ERROR',
      await tx.odooInstance.findUniqueOrThrow({ where: { id: request.instanceId } }),
    );
  });
  publishTransitions(deps.pubsub, [event]);
  return deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: request.instanceId } });
}
