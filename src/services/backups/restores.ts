// Restores overwrite an instance's data, so the request is checked hard before anything
// is recorded: an explicit confirmation, a completed backup of the caller's company, a
// target that can take it and is not busy. The worker then takes a safety backup of the
// target (unless the caller opts out) and restores (see restore-operations.ts).
import { z } from 'zod';
import type { OdooInstance, PrismaClient, Restore } from '../../generated/prisma/client.js';
import { requireCapability } from '../../providers/capabilities.js';
import { hasCapability, type ProviderCatalog } from '../../providers/descriptor.js';
import type { FleetEventPayload, PubSub } from '../../pubsub.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publishTransitions, recordTransition } from '../events/transitions.js';
import { once } from '../idempotency.js';
import { parseInput } from '../validation.js';
import { busyWith } from './backups.js';
import { restoreOperation } from './restore-operations.js';

export interface RestoreRequest {
  companyId: string;
  backupId: string;
  /** defaults to the instance the backup was taken of */
  targetInstanceId?: string | null;
  /** must be true: a restore overwrites the target's data */
  confirm: boolean;
  /** turn off mail servers, crons and payment providers in the restored copy */
  neutralize?: boolean | null;
  /** take a PRE_RESTORE backup of the target first (default true) */
  safetyBackup?: boolean | null;
  idempotencyKey?: string | null;
}

const confirmation = z.object({
  confirm: z.literal(true, { error: "must be true: a restore overwrites the target instance's data" }),
});

/**
 * What the target's provider must be able to do for this restore (refused before anything
 * is recorded). Providers that restore stored copies (self-hosted) take a backup of any
 * instance; the others (Odoo.sh) restore their own backups, between their own instances.
 * Answers whether the restore reads the fleet's stored copy.
 */
function checkRestorable(
  providers: ProviderCatalog,
  source: Pick<OdooInstance, 'id' | 'deploymentMethod'>,
  target: Pick<OdooInstance, 'id' | 'deploymentMethod'>,
  neutralize: boolean,
): boolean {
  const from = providers.descriptorOf(source);
  const into = providers.descriptorOf(target);
  if (source.id !== target.id) requireCapability(into, 'restoreIntoAnotherInstance');
  if (neutralize) requireCapability(into, 'neutralize');
  if (from !== into) requireCapability(into, 'restoreStoredCopies');
  return hasCapability(into, 'restoreStoredCopies');
}

export async function requestRestore(
  deps: { prisma: PrismaClient; pubsub: PubSub; providers: ProviderCatalog },
  request: RestoreRequest,
): Promise<Restore> {
  const backup = await deps.prisma.backup.findFirst({
    where: { id: request.backupId, companyId: request.companyId },
    include: { instance: true },
  });
  if (!backup) throw new NotFoundError('Backup', request.backupId);
  const targetId = request.targetInstanceId ?? backup.instanceId;
  const target = await deps.prisma.odooInstance.findFirst({
    where: { id: targetId, companyId: request.companyId, status: { not: 'DELETED' } },
  });
  if (!target) throw new NotFoundError('OdooInstance', targetId);
  parseInput(confirmation, { confirm: request.confirm });
  const fromStoredCopy = checkRestorable(deps.providers, backup.instance, target, request.neutralize ?? false);

  let created: FleetEventPayload | null = null;
  const { id } = await once(
    deps.prisma,
    {
      companyId: request.companyId,
      key: request.idempotencyKey,
      operation: 'restoreBackup',
      input: { ...request, idempotencyKey: undefined },
    },
    async (tx) => {
      if (backup.status !== 'COMPLETED')
        throw new ConflictError(`The backup is ${backup.status}: only completed backups can be restored.`);
      if (target.status !== 'RUNNING' || !target.instanceId)
        throw new ConflictError(`Cannot restore into an instance that is ${target.status}.`);
      if (fromStoredCopy && backup.storageKey === null)
        throw new ConflictError(
          'This backup cannot be restored into that instance: the backup has no stored copy to restore from.',
        );
      const busy = await busyWith(tx, target.id, restoreOperation);
      if (busy) throw new ConflictError(`A ${busy} of the target instance is already in progress.`);
      const restore = await tx.restore.create({
        data: {
          companyId: request.companyId,
          backupId: backup.id,
          targetInstanceId: target.id,
          neutralize: request.neutralize ?? false,
        },
      });
      await restoreOperation.record(tx, {
        companyId: request.companyId,
        instanceId: target.id,
        subjectId: restore.id,
        input: { safetyBackup: request.safetyBackup ?? true },
      });
      created = await recordTransition(tx, 'RESTORE', null, restore);
      return restore.id;
    },
  );
  publishTransitions(deps.pubsub, [created]);
  return deps.prisma.restore.findUniqueOrThrow({ where: { id } });
}
