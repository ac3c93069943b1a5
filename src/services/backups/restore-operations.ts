// The restore operation:
//   start        → records a PRE_RESTORE backup of the target (unless opted out)
//   wait_safety  → waits for that backup; a failed safety backup fails the restore
//                  before the target is touched
//   restore      → the target goes to MAINTENANCE and the provider restores: a file
//                  provider (self-hosted) streams our stored copy into a staged database;
//                  Odoo.sh restores its own backup, called with a key derived from the
//                  operation so a repeated step does not restore twice
//   wait_restore → follows the target until the provider has it running again
import { z } from 'zod';
import type { Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { InstanceStatus, RestoreStatus } from '../../generated/prisma/enums.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import { publishTransitions, transition, type SubjectUpdate } from '../events/transitions.js';
import { defineOperation } from '../operations/define.js';
import type { OperationHandler } from '../operations/worker.js';
import type { BackupStore } from '../storage/backup-store.js';
import { SERIAL_INSTANCE_WORK } from './backup-operations.js';
import { backupOutcome, recordBackup } from './backups.js';
import { storedBackupProblem } from './verify-backup.js';

export interface RestoreOperationDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  store: BackupStore;
  pollMs?: number;
}

export const restoreOperation = defineOperation({
  kind: 'RESTORE',
  input: z.object({ safetyBackup: z.boolean().default(true) }),
  subject: 'RESTORE',
  excludes: SERIAL_INSTANCE_WORK,
  steps: {
    start: 'Taking a safety backup of the target',
    wait_safety: 'Waiting for the safety backup',
    restore: 'Asking the provider to restore',
    wait_restore: 'Waiting for the restore to finish',
  },
  run: (deps: RestoreOperationDeps) => {
    const pollMs = deps.pollMs ?? 2000;
    const setStatus = (restoreId: string, status: RestoreStatus, data: SubjectUpdate<'RESTORE'> = {}) =>
      transition(deps, 'RESTORE', restoreId, status, data);
    const setTargetStatus = (instanceId: string, status: InstanceStatus, data: SubjectUpdate<'INSTANCE'>) =>
      transition(deps, 'INSTANCE', instanceId, status, data);
    const restoreOf = (operation: Operation) =>
      deps.prisma.restore.findUniqueOrThrow({
        where: { id: operation.subjectId! },
        include: { backup: { include: { instance: true } }, targetInstance: true },
      });

    async function finish(restoreId: string, targetId: string) {
      await setStatus(restoreId, 'COMPLETED', { completedAt: new Date(), error: null });
      await setTargetStatus(targetId, 'RUNNING', { statusMessage: null });
      return { done: true } as const;
    }

    return {
      steps: {
        async start({ operation, input }) {
          const restore = await restoreOf(operation);
          if (!input.safetyBackup || restore.safetyBackupId)
            return { next: restore.safetyBackupId ? 'wait_safety' : 'restore' };
          // One transaction: the safety backup, its operation and the link exist together or not at all.
          const safety = await deps.prisma.$transaction(async (tx) => {
            const created = await recordBackup(
              tx,
              { companyId: restore.companyId, instanceId: restore.targetInstanceId },
              'PRE_RESTORE',
            );
            await tx.restore.update({ where: { id: restore.id }, data: { safetyBackupId: created.backup.id } });
            return created;
          });
          publishTransitions(deps.pubsub, [safety.event]);
          await setStatus(restore.id, 'SAFETY_BACKUP');
          return { next: 'wait_safety', delayMs: pollMs };
        },

        async wait_safety({ operation }) {
          const restore = await restoreOf(operation);
          const safety = await backupOutcome(deps.prisma, restore.safetyBackupId!);
          if (safety.state === 'completed') return { next: 'restore' };
          if (safety.state === 'failed')
            return { failed: `The safety backup of the target failed (${safety.reason}); the target was not touched` };
          return { next: 'wait_safety', delayMs: pollMs };
        },

        async restore({ operation }) {
          const { backup, targetInstance: target, ...restore } = await restoreOf(operation);
          const targetProvider = deps.providers.providerFor(target);
          if (targetProvider.restoreBackupFile) {
            // Checked before the target is touched: a damaged file is never sent.
            const problem = await storedBackupProblem(deps.store, backup);
            if (problem) return { failed: `Not restored: ${problem}` };
          }
          await setStatus(restore.id, 'IN_PROGRESS');
          await setTargetStatus(target.id, 'MAINTENANCE', { statusMessage: 'Restoring a backup' });
          if (targetProvider.restoreBackupFile) {
            // Staged on the provider's side: repeating this step after a crash is safe.
            await targetProvider.restoreBackupFile(target.instanceId!, deps.store.read(backup.storageKey!), {
              neutralize: restore.neutralize,
            });
            return finish(restore.id, target.id);
          }
          const source = backup.instance;
          const started = await deps.providers.providerFor(source).restoreBackup(
            source.instanceId!,
            backup.backupId!,
            {
              targetInstanceId: target.id === source.id ? undefined : target.instanceId!,
              neutralize: restore.neutralize,
            },
            { idempotencyKey: `${operation.id}:restore` },
          );
          await setStatus(restore.id, 'IN_PROGRESS', { providerRestoreId: started.restoreId });
          return { next: 'wait_restore', delayMs: pollMs };
        },

        async wait_restore({ operation }) {
          const { targetInstance: target, ...restore } = await restoreOf(operation);
          const current = await deps.providers.providerFor(target).getInstance(target.instanceId!);
          if (current.status === 'running') return finish(restore.id, target.id);
          if (current.status === 'error') {
            await setTargetStatus(target.id, 'ERROR', {
              statusMessage: 'The provider reports the restore left the instance in error',
            });
            return { failed: 'The provider reports the instance in error after the restore' };
          }
          return { next: 'wait_restore', delayMs: pollMs };
        },
      },

      async onFailure(operation, reason) {
        const restore = await setStatus(operation.subjectId!, 'FAILED', { error: reason });
        // A restore that failed before or during a staged restore left the data as it was.
        const target = await deps.prisma.odooInstance.findUniqueOrThrow({
          where: { id: restore.targetInstanceId },
          select: { status: true },
        });
        if (target.status === 'MAINTENANCE')
          await setTargetStatus(restore.targetInstanceId, 'RUNNING', { statusMessage: `Restore failed: ${reason}` });
      },
    };
  },
});

export const restoreOperationHandler = (deps: RestoreOperationDeps): OperationHandler => restoreOperation.handler(deps);
