// The worker's steps for a restore:
//   start        → records a PRE_RESTORE backup of the target (unless opted out)
//   wait_safety  → waits for that backup; a failed safety backup fails the restore
//                  before the target is touched
//   restore      → the target goes to MAINTENANCE and the provider restores: a file
//                  provider (self-hosted) streams our stored copy into a staged database;
//                  Odoo.sh restores its own backup, called with a key derived from the
//                  operation so a repeated step does not restore twice
//   wait_restore → follows the target until the provider has it running again
import type { Operation, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { RestoreStatus } from '../../generated/prisma/enums.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import { publishRecorded, recordFleetEvent } from '../events/outbox.js';
import { setInstanceStatus } from '../instances/instances.js';
import type { OperationHandler, StepOutcome } from '../operations/worker.js';
import type { BackupStore } from '../storage/backup-store.js';
import { backupOutcome, publishBackup, recordBackup } from './backups.js';
import { storedBackupProblem } from './verify-backup.js';

export interface RestoreOperationDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  store: BackupStore;
  pollMs?: number;
}

export function restoreOperationHandler(deps: RestoreOperationDeps): OperationHandler {
  const pollMs = deps.pollMs ?? 2000;

  async function setStatus(restoreId: string, status: RestoreStatus, data: Prisma.RestoreUpdateInput = {}) {
    // The event is written with the change (transactional outbox): neither exists without the other.
    const { updated, event } = await deps.prisma.$transaction(async (tx) => {
      const before = await tx.restore.findUniqueOrThrow({ where: { id: restoreId }, select: { status: true } });
      const updated = await tx.restore.update({ where: { id: restoreId }, data: { status, ...data } });
      return { updated, event: before.status !== status ? await recordFleetEvent(tx, 'RESTORE', updated) : null };
    });
    if (event) publishRecorded(deps.pubsub, event);
    return updated;
  }

  async function finish(restoreId: string, targetId: string): Promise<StepOutcome> {
    await setStatus(restoreId, 'COMPLETED', { completedAt: new Date(), error: null });
    await setInstanceStatus(deps, targetId, 'RUNNING', { statusMessage: null });
    return { done: true };
  }

  return {
    async step(operation: Operation): Promise<StepOutcome> {
      const restore = await deps.prisma.restore.findUniqueOrThrow({
        where: { id: operation.subjectId! },
        include: { backup: { include: { instance: true } }, targetInstance: true },
      });
      const { backup, targetInstance: target } = restore;

      if (operation.step === 'start') {
        const wantsSafety = (operation.input as { safetyBackup?: boolean }).safetyBackup !== false;
        if (!wantsSafety || restore.safetyBackupId) return { next: restore.safetyBackupId ? 'wait_safety' : 'restore' };
        // One transaction: the safety backup, its operation and the link exist together or not at all.
        const safety = await deps.prisma.$transaction(async (tx) => {
          const created = await recordBackup(tx, { companyId: restore.companyId, instanceId: target.id }, 'PRE_RESTORE');
          await tx.restore.update({ where: { id: restore.id }, data: { safetyBackupId: created.id } });
          return created;
        });
        publishBackup(deps.pubsub, safety);
        await setStatus(restore.id, 'SAFETY_BACKUP');
        return { next: 'wait_safety', delayMs: pollMs };
      }

      if (operation.step === 'wait_safety') {
        const safety = await backupOutcome(deps.prisma, restore.safetyBackupId!);
        if (safety.state === 'completed') return { next: 'restore' };
        if (safety.state === 'failed') return { failed: `The safety backup of the target failed (${safety.reason}); the target was not touched` };
        return { next: 'wait_safety', delayMs: pollMs };
      }

      if (operation.step === 'restore') {
        const targetProvider = deps.providers.providerFor(target);
        if (targetProvider.restoreBackupFile) {
          // Checked before the target is touched: a damaged file is never sent.
          const problem = await storedBackupProblem(deps.store, backup);
          if (problem) return { failed: `Not restored: ${problem}` };
        }
        await setStatus(restore.id, 'IN_PROGRESS');
        await setInstanceStatus(deps, target.id, 'MAINTENANCE', { statusMessage: 'Restoring a backup' });
        if (targetProvider.restoreBackupFile) {
          // Staged on the provider's side: repeating this step after a crash is safe.
          await targetProvider.restoreBackupFile(target.instanceId!, deps.store.read(backup.storageKey!), { neutralize: restore.neutralize });
          return finish(restore.id, target.id);
        }
        const source = backup.instance;
        const started = await deps.providers.providerFor(source).restoreBackup(
          source.instanceId!,
          backup.backupId!,
          { targetInstanceId: target.id === source.id ? undefined : target.instanceId!, neutralize: restore.neutralize },
          { idempotencyKey: `${operation.id}:restore` },
        );
        await setStatus(restore.id, 'IN_PROGRESS', { providerRestoreId: started.restoreId });
        return { next: 'wait_restore', delayMs: pollMs };
      }

      // 'wait_restore'
      const current = await deps.providers.providerFor(target).getInstance(target.instanceId!);
      if (current.status === 'running') return finish(restore.id, target.id);
      if (current.status === 'error') {
        await setInstanceStatus(deps, target.id, 'ERROR', { statusMessage: 'The provider reports the restore left the instance in error' });
        return { failed: 'The provider reports the instance in error after the restore' };
      }
      return { next: 'wait_restore', delayMs: pollMs };
    },

    async onFailure(operation, reason) {
      const restore = await setStatus(operation.subjectId!, 'FAILED', { error: reason });
      // A restore that failed before or during a staged restore left the data as it was.
      const target = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: restore.targetInstanceId }, select: { status: true } });
      if (target.status === 'MAINTENANCE') await setInstanceStatus(deps, restore.targetInstanceId, 'RUNNING', { statusMessage: `Restore failed: ${reason}` });
    },
  };
}
