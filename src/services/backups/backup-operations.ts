// The backup operation: ask the provider, wait for it, then copy the file
// into the fleet's storage. The copy is written under a temporary name and renamed when
// whole, so a worker dying mid-copy leaves nothing that looks complete; the next attempt
// copies again.
import { z } from 'zod';
import type { Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { BackupStatus } from '../../generated/prisma/enums.js';
import type { ProviderBackupStatus } from '../../providers/provider.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import { transition, type SubjectUpdate } from '../events/transitions.js';
import { defineOperation } from '../operations/define.js';
import type { OperationHandler } from '../operations/worker.js';
import type { BackupStore } from '../storage/backup-store.js';
import { storedBackupProblem } from './verify-backup.js';
import { countingBytes } from './download-progress.js';

export interface BackupOperationDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  store: BackupStore;
  pollMs?: number;
}

const fromProvider: Record<ProviderBackupStatus, BackupStatus> = {
  pending: 'PENDING',
  in_progress: 'IN_PROGRESS',
  completed: 'DOWNLOADING',
  failed: 'FAILED',
};

/** Work of which an instance runs one at a time: none of it starts while another is queued or running. */
export const SERIAL_INSTANCE_WORK = ['BACKUP', 'RESTORE', 'DEPLOY'] as const;

export const backupOperation = defineOperation({
  kind: 'BACKUP',
  input: z.object({}),
  subject: 'BACKUP',
  excludes: SERIAL_INSTANCE_WORK,
  steps: {
    start: 'Asking the provider for a backup',
    wait: 'Waiting for the provider to finish the backup',
    download: "Copying the file to the fleet's storage",
  },
  run: (deps: BackupOperationDeps) => {
    const pollMs = deps.pollMs ?? 2000;
    const setStatus = (backupId: string, status: BackupStatus, data: SubjectUpdate<'BACKUP'> = {}) =>
      transition(deps, 'BACKUP', backupId, status, data);
    const backupOf = (operation: Operation) =>
      deps.prisma.backup.findUniqueOrThrow({ where: { id: operation.subjectId! }, include: { instance: true } });

    /** Bytes copied so far, on the operation (its progress) and to progress subscribers; best effort. */
    async function reportDownload(operation: Operation, bytesDone: number, bytesTotal: number | null): Promise<void> {
      const state = { ...(operation.state as Record<string, unknown>), bytesDone, bytesTotal };
      await deps.prisma.operation
        .updateMany({ where: { id: operation.id, step: 'download' }, data: { state } })
        .catch(() => {});
      deps.pubsub.publish('operationProgress', operation.companyId, {
        companyId: operation.companyId,
        kind: 'BACKUP',
        subjectId: operation.subjectId!,
        instanceId: operation.instanceId ?? undefined,
        status: 'DOWNLOADING',
        occurredAt: new Date().toISOString(),
      });
    }

    return {
      steps: {
        async start({ operation }) {
          const backup = await backupOf(operation);
          const started = await deps.providers
            .providerFor(backup.instance)
            .createBackup(backup.instance.instanceId!, { idempotencyKey: `${operation.id}:backup` });
          await setStatus(backup.id, fromProvider[started.status], { backupId: started.id });
          if (started.status === 'failed') return { failed: 'The provider could not take the backup' };
          return started.status === 'completed' ? { next: 'download' } : { next: 'wait', delayMs: pollMs };
        },
        async wait({ operation }) {
          const backup = await backupOf(operation);
          const current = await deps.providers
            .providerFor(backup.instance)
            .getBackup(backup.instance.instanceId!, backup.backupId!);
          await setStatus(
            backup.id,
            fromProvider[current.status],
            current.sizeBytes !== null ? { sizeBytes: BigInt(current.sizeBytes) } : {},
          );
          if (current.status === 'failed') return { failed: 'The provider reports the backup failed' };
          return current.status === 'completed' ? { next: 'download' } : { next: 'wait', delayMs: pollMs };
        },
        // Copy the file, then call the backup complete.
        async download({ operation }) {
          const backup = await backupOf(operation);
          await setStatus(backup.id, 'DOWNLOADING');
          const file = await deps.providers
            .providerFor(backup.instance)
            .downloadBackup(backup.instance.instanceId!, backup.backupId!);
          const bytesTotal = backup.sizeBytes === null ? null : Number(backup.sizeBytes);
          const stored = await deps.store.write(
            backup.id,
            countingBytes(file, (bytesDone) => void reportDownload(operation, bytesDone, bytesTotal)),
          );
          // The hash was taken on the way in; the file read back from storage must match it.
          const problem = await storedBackupProblem(deps.store, {
            storageKey: stored.key,
            checksumSha256: stored.sha256,
          });
          if (problem) {
            await deps.store.remove(stored.key);
            throw new Error(`The downloaded backup did not survive storage: ${problem}`);
          }
          await setStatus(backup.id, 'COMPLETED', {
            storageKey: stored.key,
            sizeBytes: BigInt(stored.sizeBytes),
            checksumSha256: stored.sha256,
            completedAt: new Date(),
            statusMessage: null,
          });
          return { done: true };
        },
      },
      async onFailure(operation, reason) {
        await setStatus(operation.subjectId!, 'FAILED', { statusMessage: reason });
      },
      async onRetry(operation, reason) {
        await deps.prisma.backup.updateMany({
          where: { id: operation.subjectId!, status: { in: ['PENDING', 'IN_PROGRESS', 'DOWNLOADING'] } },
          data: { statusMessage: `Waiting for the provider, will retry: ${reason}` },
        });
      },
    };
  },
});

export const backupOperationHandler = (deps: BackupOperationDeps): OperationHandler => backupOperation.handler(deps);
