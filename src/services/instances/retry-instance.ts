// An instance whose creation failed (a wrong master password, an unreachable server, a
// database name already taken) stays ERROR until someone fixes the cause; retrying
// starts its creation again as a new durable operation.
import { ConflictError, NotFoundError } from '../errors.js';
import { publishStatus, type InstanceDeps } from './instances.js';

export async function retryInstanceCreation(deps: InstanceDeps, request: { companyId: string; instanceId: string }) {
  const id = await deps.prisma.$transaction(async (tx) => {
    // Locked, so two retries at once start one creation.
    const [instance] = await tx.$queryRaw<Array<{ id: string; status: string; instanceId: string | null }>>`
      SELECT id, status::text AS status, "instanceId" FROM "OdooInstance"
      WHERE id = ${request.instanceId}::uuid AND "companyId" = ${request.companyId}::uuid AND status <> 'DELETED' FOR UPDATE`;
    if (!instance) throw new NotFoundError('OdooInstance', request.instanceId);
    if (instance.status !== 'ERROR') throw new ConflictError(`Only an instance in ERROR can be retried; this one is ${instance.status}.`);
    if (instance.instanceId) throw new ConflictError('The instance exists at its provider: only a failed creation can be retried.');
    await tx.odooInstance.update({ where: { id: instance.id }, data: { status: 'CREATING', statusMessage: null } });
    await tx.operation.create({ data: { companyId: request.companyId, instanceId: instance.id, kind: 'CREATE_INSTANCE', subjectId: instance.id } });
    return instance.id;
  });
  const instance = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id } });
  publishStatus(deps.pubsub, instance);
  return instance;
}
