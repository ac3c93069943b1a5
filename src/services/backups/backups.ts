// Backups as the fleet records them: requested here, finished by the worker, which
// copies every file into the fleet's storage (DOWNLOADING) before calling it COMPLETED.
import { z } from 'zod';
import type { Backup, PrismaClient } from '../../generated/prisma/client.js';
import type { BackupType } from '../../generated/prisma/enums.js';
import type { FleetEventPayload, PubSub } from '../../pubsub.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publishTransitions, recordTransition } from '../events/transitions.js';
import { once, type Transaction } from '../idempotency.js';
import { describeKind, type OperationDeclaration } from '../operations/define.js';
import { parseInput } from '../validation.js';
import { backupOperation } from './backup-operations.js';
import type { UrlSigner } from './download-urls.js';

export const terminalBackupStatuses = ['COMPLETED', 'FAILED', 'EXPIRED'] as const;

/**
 * Another operation on the instance that the requested kind may not run beside (queued
 * or running), or null. Locks the instance row for the rest of the transaction, so two
 * requests at once cannot both find it idle.
 */
export async function busyWith(
  tx: Transaction,
  instanceId: string,
  requested: Pick<OperationDeclaration, 'excludes'>,
): Promise<string | null> {
  await tx.$queryRaw`SELECT 1 FROM "OdooInstance" WHERE id = ${instanceId}::uuid FOR UPDATE`;
  const running = await tx.operation.findFirst({
    where: { instanceId, kind: { in: [...requested.excludes] }, status: { in: ['PENDING', 'RUNNING'] } },
    select: { kind: true },
  });
  return running ? describeKind(running.kind) : null;
}

/**
 * A backup record and the operation that takes it, written in the caller's transaction,
 * with its fleet event: publish `event` once the transaction commits.
 */
export async function recordBackup(
  tx: Transaction,
  of: { companyId: string; instanceId: string },
  type: BackupType,
  expiresAt: Date | null = null,
): Promise<{ backup: Backup; event: FleetEventPayload | null }> {
  const backup = await tx.backup.create({
    data: { companyId: of.companyId, instanceId: of.instanceId, type, expiresAt },
  });
  await backupOperation.record(tx, {
    companyId: of.companyId,
    instanceId: of.instanceId,
    subjectId: backup.id,
    input: {},
  });
  return { backup, event: await recordTransition(tx, 'BACKUP', null, backup) };
}

export type BackupOutcome = { state: 'completed' } | { state: 'failed'; reason: string } | { state: 'running' };

/** Where a backup that another operation waits for (safety, pre-deployment) stands. */
export async function backupOutcome(prisma: PrismaClient, backupId: string): Promise<BackupOutcome> {
  const backup = await prisma.backup.findUniqueOrThrow({
    where: { id: backupId },
    select: { status: true, statusMessage: true },
  });
  if (backup.status === 'COMPLETED') return { state: 'completed' };
  if (backup.status === 'FAILED' || backup.status === 'EXPIRED')
    return { state: 'failed', reason: backup.statusMessage ?? 'no reason given' };
  return { state: 'running' };
}

const backupRequestInput = z.object({
  expiresAt: z
    .date()
    .refine((date) => date.getTime() > Date.now(), 'must be in the future')
    .nullish(),
});

const downloadUrlInput = z.object({
  expiresInSeconds: z
    .number()
    .refine(
      (seconds) => Number.isInteger(seconds) && seconds >= 60 && seconds <= 86_400,
      'must be between 60 and 86400',
    ),
});

export async function requestBackup(
  deps: { prisma: PrismaClient; pubsub: PubSub },
  request: {
    companyId: string;
    instanceId: string;
    idempotencyKey?: string | null;
    type?: BackupType;
    expiresAt?: Date | null;
  },
): Promise<Backup> {
  parseInput(backupRequestInput, { expiresAt: request.expiresAt });
  const instance = await deps.prisma.odooInstance.findFirst({
    where: { id: request.instanceId, companyId: request.companyId, status: { not: 'DELETED' } },
  });
  if (!instance) throw new NotFoundError('OdooInstance', request.instanceId);
  let created: FleetEventPayload | null = null;
  const { id } = await once(
    deps.prisma,
    {
      companyId: request.companyId,
      key: request.idempotencyKey,
      operation: 'createBackup',
      input: { instanceId: instance.id, expiresAt: request.expiresAt ?? null },
    },
    async (tx) => {
      if (!['RUNNING', 'SUSPENDED'].includes(instance.status) || !instance.instanceId) {
        throw new ConflictError(`Cannot back up an instance that is ${instance.status}.`);
      }
      const busy = await busyWith(tx, instance.id, backupOperation);
      if (busy) throw new ConflictError(`A ${busy} of this instance is already in progress.`);
      const { backup, event } = await recordBackup(
        tx,
        { companyId: instance.companyId, instanceId: instance.id },
        request.type ?? 'MANUAL',
        request.expiresAt,
      );
      created = event;
      return backup.id;
    },
  );
  publishTransitions(deps.pubsub, [created]);
  return deps.prisma.backup.findUniqueOrThrow({ where: { id } });
}

/** A URL of this server that serves the stored file until it expires. */
export async function createDownloadUrl(
  deps: { prisma: PrismaClient; signer: UrlSigner; publicUrl: string },
  request: { companyId: string; backupId: string; expiresInSeconds?: number | null },
): Promise<Backup> {
  const { expiresInSeconds: seconds } = parseInput(downloadUrlInput, {
    expiresInSeconds: request.expiresInSeconds ?? 900,
  });
  const backup = await deps.prisma.backup.findFirst({ where: { id: request.backupId, companyId: request.companyId } });
  if (!backup) throw new NotFoundError('Backup', request.backupId);
  if (backup.status !== 'COMPLETED' || !backup.storageKey)
    throw new ConflictError(`The backup is ${backup.status}: only completed backups can be downloaded.`);
  const expiresAt = new Date(Date.now() + seconds * 1000);
  const url = `${deps.publicUrl.replace(/\/$/, '')}/backups/${backup.id}/file?${deps.signer.sign(backup.id, expiresAt)}`;
  return deps.prisma.backup.update({
    where: { id: backup.id },
    data: { downloadUrl: url, downloadExpiresAt: expiresAt },
  });
}
