// Backups as the fleet records them: requested here, finished by the worker, which
// copies every file into the fleet's storage (DOWNLOADING) before calling it COMPLETED.
import { z } from 'zod';
import type { Backup, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { BackupStatus, BackupType } from '../../generated/prisma/enums.js';
import { publishFleetEvent, type PubSub } from '../../pubsub.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publishRecorded, recordFleetEvent } from '../events/outbox.js';
import { once, type Transaction } from '../idempotency.js';
import { parseInput } from '../validation.js';
import type { UrlSigner } from './download-urls.js';

export const terminalBackupStatuses = ['COMPLETED', 'FAILED', 'EXPIRED'] as const;

export function publishBackup(pubsub: PubSub, backup: Pick<Backup, 'id' | 'companyId' | 'status' | 'instanceId'>): void {
  publishFleetEvent(pubsub, 'BACKUP', backup);
}

/** Persists a backup's status change, then publishes it if the status really changed. */
export async function setBackupStatus(
  deps: { prisma: PrismaClient; pubsub: PubSub },
  backupId: string,
  status: BackupStatus,
  data: Prisma.BackupUpdateInput = {},
): Promise<Backup> {
  // The event is written with the change (transactional outbox): neither exists without the other.
  const { updated, event } = await deps.prisma.$transaction(async (tx) => {
    const before = await tx.backup.findUniqueOrThrow({ where: { id: backupId }, select: { status: true } });
    const updated = await tx.backup.update({ where: { id: backupId }, data: { status, ...data } });
    return { updated, event: before.status !== status ? await recordFleetEvent(tx, 'BACKUP', updated) : null };
  });
  if (event) publishRecorded(deps.pubsub, event);
  return updated;
}

/** Work of which an instance runs one at a time. */
export const EXCLUSIVE_OPERATION_KINDS = ['BACKUP', 'RESTORE', 'DEPLOY'] as const;

/**
 * A backup, restore or deployment already queued or running on the instance. Locks the instance row
 * for the rest of the transaction, so two requests at once cannot both find it idle.
 */
export async function busyWith(tx: Transaction, instanceId: string): Promise<string | null> {
  await tx.$queryRaw`SELECT 1 FROM "OdooInstance" WHERE id = ${instanceId}::uuid FOR UPDATE`;
  const running = await tx.operation.findFirst({
    where: { instanceId, kind: { in: [...EXCLUSIVE_OPERATION_KINDS] }, status: { in: ['PENDING', 'RUNNING'] } },
    select: { kind: true },
  });
  return running ? { BACKUP: 'backup', RESTORE: 'restore', DEPLOY: 'deployment' }[running.kind as (typeof EXCLUSIVE_OPERATION_KINDS)[number]] : null;
}

/** A backup record and the operation that takes it, written in the caller's transaction. */
export async function recordBackup(
  tx: Transaction,
  of: { companyId: string; instanceId: string },
  type: BackupType,
  expiresAt: Date | null = null,
): Promise<Backup> {
  const backup = await tx.backup.create({ data: { companyId: of.companyId, instanceId: of.instanceId, type, expiresAt } });
  await tx.operation.create({ data: { companyId: of.companyId, instanceId: of.instanceId, kind: 'BACKUP', subjectId: backup.id } });
  return backup;
}

export type BackupOutcome = { state: 'completed' } | { state: 'failed'; reason: string } | { state: 'running' };

/** Where a backup that another operation waits for (safety, pre-deployment) stands. */
export async function backupOutcome(prisma: PrismaClient, backupId: string): Promise<BackupOutcome> {
  const backup = await prisma.backup.findUniqueOrThrow({ where: { id: backupId }, select: { status: true, statusMessage: true } });
  if (backup.status === 'COMPLETED') return { state: 'completed' };
  if (backup.status === 'FAILED' || backup.status === 'EXPIRED') return { state: 'failed', reason: backup.statusMessage ?? 'no reason given' };
  return { state: 'running' };
}

const backupRequestInput = z.object({
  expiresAt: z.date().refine((date) => date.getTime() > Date.now(), 'must be in the future').nullish(),
});

const downloadUrlInput = z.object({
  expiresInSeconds: z.number().refine((seconds) => Number.isInteger(seconds) && seconds >= 60 && seconds <= 86_400, 'must be between 60 and 86400'),
});

export async function requestBackup(
  deps: { prisma: PrismaClient; pubsub: PubSub },
  request: { companyId: string; instanceId: string; idempotencyKey?: string | null; type?: BackupType; expiresAt?: Date | null },
): Promise<Backup> {
  parseInput(backupRequestInput, { expiresAt: request.expiresAt });
  const instance = await deps.prisma.odooInstance.findFirst({ where: { id: request.instanceId, companyId: request.companyId, status: { not: 'DELETED' } } });
  if (!instance) throw new NotFoundError('OdooInstance', request.instanceId);
  const { id, replayed } = await once(
    deps.prisma,
    { companyId: request.companyId, key: request.idempotencyKey, operation: 'createBackup', input: { instanceId: instance.id, expiresAt: request.expiresAt ?? null } },
    async (tx) => {
      if (!['RUNNING', 'SUSPENDED'].includes(instance.status) || !instance.instanceId) {
        throw new ConflictError(`Cannot back up an instance that is ${instance.status}.`);
      }
      const busy = await busyWith(tx, instance.id);
      if (busy) throw new ConflictError(`A ${busy} of this instance is already in progress.`);
      return (await recordBackup(tx, { companyId: instance.companyId, instanceId: instance.id }, request.type ?? 'MANUAL', request.expiresAt)).id;
    },
  );
  const backup = await deps.prisma.backup.findUniqueOrThrow({ where: { id } });
  if (!replayed) publishBackup(deps.pubsub, backup);
  return backup;
}

/** A URL of this server that serves the stored file until it expires. */
export async function createDownloadUrl(
  deps: { prisma: PrismaClient; signer: UrlSigner; publicUrl: string },
  request: { companyId: string; backupId: string; expiresInSeconds?: number | null },
): Promise<Backup> {
  const { expiresInSeconds: seconds } = parseInput(downloadUrlInput, { expiresInSeconds: request.expiresInSeconds ?? 900 });
  const backup = await deps.prisma.backup.findFirst({ where: { id: request.backupId, companyId: request.companyId } });
  if (!backup) throw new NotFoundError('Backup', request.backupId);
  if (backup.status !== 'COMPLETED' || !backup.storageKey) throw new ConflictError(`The backup is ${backup.status}: only completed backups can be downloaded.`);
  const expiresAt = new Date(Date.now() + seconds * 1000);
  const url = `${deps.publicUrl.replace(/\/$/, '')}/backups/${backup.id}/file?${deps.signer.sign(backup.id, expiresAt)}`;
  return deps.prisma.backup.update({ where: { id: backup.id }, data: { downloadUrl: url, downloadExpiresAt: expiresAt } });
}
