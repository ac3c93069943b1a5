// The one way a status of an instance, backup, restore or deployment changes: the new
// status is written with its fleet event row (the transactional outbox) in one
// transaction, and live subscribers are told after the commit. Webhooks come from the
// outbox rows only, so every status change reaches them exactly once, whatever crashes.
import type { Backup, Deployment, OdooInstance, Prisma, PrismaClient, Restore } from '../../generated/prisma/client.js';
import type { BackupStatus, DeploymentStatus, InstanceStatus, RestoreStatus } from '../../generated/prisma/enums.js';
import type { FleetEventPayload, PubSub } from '../../pubsub.js';
import { publishRecorded, recordFleetEvent, type Subject } from './outbox.js';

/** What each kind of status-carrying object is in the database. */
interface Subjects {
  INSTANCE: { row: OdooInstance; status: InstanceStatus; data: Prisma.OdooInstanceUpdateInput };
  BACKUP: { row: Backup; status: BackupStatus; data: Prisma.BackupUpdateInput };
  RESTORE: { row: Restore; status: RestoreStatus; data: Prisma.RestoreUpdateInput };
  DEPLOYMENT: { row: Deployment; status: DeploymentStatus; data: Prisma.DeploymentUpdateInput };
}

/** The kinds of objects whose status changes are fleet events (besides HEALTH, which the poller batches). */
export type SubjectKind = keyof Subjects;
export type SubjectRow<K extends SubjectKind> = Subjects[K]['row'];
export type SubjectStatus<K extends SubjectKind> = Subjects[K]['status'];
export type SubjectUpdate<K extends SubjectKind> = Subjects[K]['data'];

interface SubjectTable<K extends SubjectKind> {
  statusOf(tx: Prisma.TransactionClient, id: string): Promise<{ status: string } | null>;
  update(tx: Prisma.TransactionClient, id: string, data: SubjectUpdate<K>): Promise<SubjectRow<K>>;
}

const tables: { [K in SubjectKind]: SubjectTable<K> } = {
  INSTANCE: {
    statusOf: (tx, id) => tx.odooInstance.findUnique({ where: { id }, select: { status: true } }),
    update: (tx, id, data) => tx.odooInstance.update({ where: { id }, data }),
  },
  BACKUP: {
    statusOf: (tx, id) => tx.backup.findUnique({ where: { id }, select: { status: true } }),
    update: (tx, id, data) => tx.backup.update({ where: { id }, data }),
  },
  RESTORE: {
    statusOf: (tx, id) => tx.restore.findUnique({ where: { id }, select: { status: true } }),
    update: (tx, id, data) => tx.restore.update({ where: { id }, data }),
  },
  DEPLOYMENT: {
    statusOf: (tx, id) => tx.deployment.findUnique({ where: { id }, select: { status: true } }),
    update: (tx, id, data) => tx.deployment.update({ where: { id }, data }),
  },
};

export const SUBJECT_KINDS = Object.keys(tables) as readonly SubjectKind[];

/** The current status of an object (null when it is gone). */
export async function currentStatus(
  db: Prisma.TransactionClient,
  kind: SubjectKind,
  id: string,
): Promise<string | null> {
  return (await tables[kind].statusOf(db, id))?.status ?? null;
}

/**
 * Inside the caller's transaction: records the event of an object that was created
 * (`before` null) or whose status moved from `before`; nothing when it did not move.
 * Publish what it returns with `publishTransitions` after the commit.
 */
export async function recordTransition(
  tx: Prisma.TransactionClient,
  kind: SubjectKind,
  before: string | null,
  after: Subject,
): Promise<FleetEventPayload | null> {
  return before === after.status ? null : recordFleetEvent(tx, kind, after);
}

/** Tells live subscribers of the events a committed transaction recorded. */
export function publishTransitions(pubsub: PubSub, events: ReadonlyArray<FleetEventPayload | null>): void {
  for (const event of events) if (event) publishRecorded(pubsub, event);
}

/** Sets an object's status (and other columns), records the event if the status changed, commits, then publishes. */
export async function transition<K extends SubjectKind>(
  deps: { prisma: PrismaClient; pubsub: PubSub },
  kind: K,
  id: string,
  status: SubjectStatus<K>,
  data: SubjectUpdate<K> = {},
): Promise<SubjectRow<K>> {
  const table: SubjectTable<K> = tables[kind];
  const { updated, event } = await deps.prisma.$transaction(async (tx) => {
    const before = await currentStatus(tx, kind, id);
    const updated = await table.update(tx, id, { ...data, status });
    return { updated, event: await recordTransition(tx, kind, before, updated) };
  });
  publishTransitions(deps.pubsub, [event]);
  return updated;
}
