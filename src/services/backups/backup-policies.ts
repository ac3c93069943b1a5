// Backup policies: a company default and per-instance overrides, each a schedule and a
// grandfather-father-son retention rule. The scheduler starts SCHEDULED backups that
// are due; retention expires scheduled backups no tier keeps, and any backup whose own
// expiry passed. Locked backups are never expired. Both passes are safe to run on
// several replicas at once: a backup is scheduled under the instance's row lock after
// re-checking, and expiring is a conditional update.
import type { BackupPolicy, OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { PubSub } from '../../pubsub.js';
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { BackupStore } from '../storage/backup-store.js';
import { publishTransitions, recordTransition } from '../events/transitions.js';
import { parseInput } from '../validation.js';
import { backupOperation } from './backup-operations.js';
import { busyWith, recordBackup } from './backups.js';
import { cronSchedule, scheduleProblem, type CronSchedule } from './cron-schedule.js';
import { backupsToKeep } from './retention.js';

export interface BackupPolicyInput {
  enabled?: boolean | null;
  schedule?: string | null;
  keepDaily?: number | null;
  keepWeekly?: number | null;
  keepMonthly?: number | null;
  backupBeforeDeploy?: boolean | null;
}

const MAX_KEEP = 400;

const keep = z
  .number()
  .refine((value) => Number.isInteger(value) && value >= 0 && value <= MAX_KEEP, `must be between 0 and ${MAX_KEEP}`)
  .nullish();

const policyInput = z.object({
  schedule: z
    .string()
    .superRefine((expression, context) => {
      const problem = scheduleProblem(expression);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .nullish(),
  keepDaily: keep,
  keepWeekly: keep,
  keepMonthly: keep,
});

/** Sets the company default (no instance) or an instance's own policy; unset fields keep their value. */
export async function setBackupPolicy(
  prisma: PrismaClient,
  request: { companyId: string; instanceId?: string | null; input: BackupPolicyInput },
): Promise<BackupPolicy> {
  if (request.instanceId) {
    const instance = await prisma.odooInstance.findFirst({
      where: { id: request.instanceId, companyId: request.companyId, status: { not: 'DELETED' } },
    });
    if (!instance) throw new NotFoundError('OdooInstance', request.instanceId);
  }
  parseInput(policyInput, request.input);
  const data = Object.fromEntries(
    Object.entries(request.input).filter(([, value]) => value !== null && value !== undefined),
  );
  return prisma.$transaction(async (tx) => {
    // A company default has no instance, so it cannot use a unique key: lock the company row instead.
    await tx.$queryRaw`SELECT 1 FROM "Company" WHERE id = ${request.companyId}::uuid FOR UPDATE`;
    const existing = await tx.backupPolicy.findFirst({
      where: { companyId: request.companyId, instanceId: request.instanceId ?? null },
    });
    return existing
      ? tx.backupPolicy.update({ where: { id: existing.id }, data })
      : tx.backupPolicy.create({
          data: { ...data, companyId: request.companyId, instanceId: request.instanceId ?? null },
        });
  });
}

type InstanceRef = Pick<OdooInstance, 'id' | 'companyId'>;

/** From a set of policies: an instance's own policy, else its company's default, else none. */
function policyResolver(policies: BackupPolicy[]): (instance: InstanceRef) => BackupPolicy | null {
  const byInstance = new Map(
    policies.filter((policy) => policy.instanceId).map((policy) => [policy.instanceId!, policy]),
  );
  const byCompany = new Map(
    policies.filter((policy) => !policy.instanceId).map((policy) => [policy.companyId, policy]),
  );
  return (instance) => byInstance.get(instance.id) ?? byCompany.get(instance.companyId) ?? null;
}

/** The policy that governs each instance, in one query whatever their number. */
export async function effectivePolicies(
  prisma: PrismaClient,
  instances: readonly InstanceRef[],
): Promise<Array<BackupPolicy | null>> {
  if (instances.length === 0) return [];
  const policies = await prisma.backupPolicy.findMany({
    where: {
      OR: [
        { instanceId: { in: instances.map((instance) => instance.id) } },
        { instanceId: null, companyId: { in: [...new Set(instances.map((instance) => instance.companyId))] } },
      ],
    },
  });
  return instances.map(policyResolver(policies));
}

export async function effectivePolicy(prisma: PrismaClient, instance: InstanceRef): Promise<BackupPolicy | null> {
  return (await effectivePolicies(prisma, [instance]))[0]!;
}

export type GovernedInstances = Awaited<ReturnType<typeof governedInstances>>;

/** Live instances with the (enabled) policy that governs each; read once per run of the job. */
export async function governedInstances(prisma: PrismaClient) {
  const policies = await prisma.backupPolicy.findMany();
  if (policies.length === 0) return [];
  const policyOf = policyResolver(policies);
  const instances = await prisma.odooInstance.findMany({
    where: {
      companyId: { in: [...new Set(policies.map((policy) => policy.companyId))] },
      status: { in: ['RUNNING', 'SUSPENDED'] },
      instanceId: { not: null },
    },
    select: { id: true, companyId: true, createdAt: true },
  });
  return instances
    .map((instance) => ({ instance, policy: policyOf(instance) }))
    .filter(
      (entry): entry is { instance: typeof entry.instance; policy: BackupPolicy } => entry.policy?.enabled === true,
    );
}

/** Starts the SCHEDULED backups that are due at `now`; returns the ids of the backups started. */
export async function startScheduledBackups(
  deps: { prisma: PrismaClient; pubsub: PubSub },
  now: Date,
  governed?: GovernedInstances,
): Promise<string[]> {
  governed ??= await governedInstances(deps.prisma);
  if (governed.length === 0) return [];
  const lastScheduled = new Map(
    (
      await deps.prisma.backup.groupBy({
        by: ['instanceId'],
        where: { type: 'SCHEDULED', instanceId: { in: governed.map((entry) => entry.instance.id) } },
        _max: { createdAt: true },
      })
    ).map((row) => [row.instanceId, row._max.createdAt]),
  );
  const schedules = new Map<string, CronSchedule>();
  const firedAt = (expression: string) => {
    if (!schedules.has(expression)) schedules.set(expression, cronSchedule(expression));
    return schedules.get(expression)!.previousAtOrBefore(now);
  };

  const started: string[] = [];
  for (const { instance, policy } of governed) {
    const fired = firedAt(policy.schedule);
    // Occurrences before the policy was set or the instance existed do not count.
    const floor = Math.max(
      lastScheduled.get(instance.id)?.getTime() ?? 0,
      policy.updatedAt.getTime(),
      instance.createdAt.getTime(),
    );
    if (!fired || fired.getTime() <= floor) continue;
    const recorded = await deps.prisma.$transaction(async (tx) => {
      if (await busyWith(tx, instance.id, backupOperation)) return null; // due again next tick
      const raced = await tx.backup.findFirst({
        where: { instanceId: instance.id, type: 'SCHEDULED', createdAt: { gte: fired } },
        select: { id: true },
      });
      if (raced) return null;
      return recordBackup(tx, { companyId: instance.companyId, instanceId: instance.id }, 'SCHEDULED');
    });
    if (recorded) {
      publishTransitions(deps.pubsub, [recorded.event]);
      started.push(recorded.backup.id);
    }
  }
  return started;
}

/** Expires backups that retention no longer keeps; returns the ids expired. */
export async function applyRetention(
  deps: { prisma: PrismaClient; pubsub: PubSub; store: BackupStore },
  now: Date,
  governed?: GovernedInstances,
): Promise<string[]> {
  const expire: string[] = [];
  governed ??= await governedInstances(deps.prisma);
  if (governed.length > 0) {
    const scheduled = await deps.prisma.backup.findMany({
      where: {
        type: 'SCHEDULED',
        status: 'COMPLETED',
        locked: false,
        instanceId: { in: governed.map((entry) => entry.instance.id) },
      },
      select: { id: true, instanceId: true, createdAt: true },
    });
    for (const { instance, policy } of governed) {
      const own = scheduled.filter((backup) => backup.instanceId === instance.id);
      const keep = backupsToKeep(own, policy);
      expire.push(...own.filter((backup) => !keep.has(backup.id)).map((backup) => backup.id));
    }
  }
  const pastExpiry = await deps.prisma.backup.findMany({
    where: { expiresAt: { lte: now }, locked: false, status: { in: ['COMPLETED', 'FAILED'] } },
    select: { id: true },
  });
  expire.push(...pastExpiry.map((backup) => backup.id));
  const expired: string[] = [];
  for (const id of new Set(expire)) if (await expireBackup(deps, id, now)) expired.push(id);
  return expired;
}

/**
 * Marks a backup EXPIRED and removes our copy of its file. The record changes first: a
 * crash in between leaves an orphan file, never a record pointing at a missing file.
 */
async function expireBackup(
  deps: { prisma: PrismaClient; pubsub: PubSub; store: BackupStore },
  id: string,
  now: Date,
): Promise<boolean> {
  const backup = await deps.prisma.backup.findUnique({ where: { id }, select: { storageKey: true } });
  const event = await deps.prisma.$transaction(async (tx) => {
    const expirable = await tx.backup.findFirst({
      where: { id, locked: false, status: { in: ['COMPLETED', 'FAILED'] } },
      select: { status: true },
    });
    const changed = await tx.backup.updateMany({
      where: { id, locked: false, status: { in: ['COMPLETED', 'FAILED'] } },
      data: { status: 'EXPIRED', storageKey: null, downloadUrl: null, downloadExpiresAt: null, expiresAt: now },
    });
    if (!expirable || changed.count === 0) return undefined;
    return recordTransition(tx, 'BACKUP', expirable.status, await tx.backup.findUniqueOrThrow({ where: { id } }));
  });
  if (event === undefined) return false;
  if (backup?.storageKey) await deps.store.remove(backup.storageKey);
  publishTransitions(deps.pubsub, [event]);
  return true;
}

/** Deletes a backup on request: it expires now. Locked backups must be unlocked first. */
export async function deleteBackup(
  deps: { prisma: PrismaClient; pubsub: PubSub; store: BackupStore },
  request: { companyId: string; backupId: string },
) {
  const backup = await deps.prisma.backup.findFirst({ where: { id: request.backupId, companyId: request.companyId } });
  if (!backup) throw new NotFoundError('Backup', request.backupId);
  if (backup.locked) throw new ConflictError('The backup is locked: unlock it before deleting it.');
  if (!['COMPLETED', 'FAILED'].includes(backup.status))
    throw new ConflictError(`The backup is ${backup.status}: only completed or failed backups can be deleted.`);
  await expireBackup(deps, backup.id, new Date());
  return deps.prisma.backup.findUniqueOrThrow({ where: { id: backup.id } });
}

/**
 * Locks or unlocks a backup. An EXPIRED backup cannot be locked: its file is gone, and a
 * lock would promise a backup that can no longer be restored. The status is checked in
 * the same statement as the update, so a backup expiring meanwhile is not locked either.
 */
export async function setBackupLocked(
  prisma: PrismaClient,
  request: { companyId: string; backupId: string; locked: boolean },
) {
  const lockable = request.locked ? { status: { not: 'EXPIRED' as const } } : {};
  const changed = await prisma.backup.updateMany({
    where: { id: request.backupId, companyId: request.companyId, ...lockable },
    data: { locked: request.locked },
  });
  if (changed.count === 0) {
    const exists = await prisma.backup.count({ where: { id: request.backupId, companyId: request.companyId } });
    if (exists === 0) throw new NotFoundError('Backup', request.backupId);
    throw new InvalidInputError([
      { path: ['backupId'], message: 'the backup is EXPIRED: its file is gone, so there is nothing to lock' },
    ]);
  }
  return prisma.backup.findUniqueOrThrow({ where: { id: request.backupId } });
}
