// The transactional outbox of fleet events. A state change writes its event row in the
// same transaction as the change (`recordFleetEvent`), so the two exist together or not
// at all, whatever crashes when. Live subscribers are told right after the commit; the
// relay turns unrelayed rows into webhook deliveries and marks them relayed in one
// transaction, so each event becomes exactly one delivery per endpoint even when the
// relay is repeated after a crash (the unique (endpoint, event) key), and the delivery is
// then sent at least once. Receivers deduplicate by the delivery `id` (or `eventId`).
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { eventInstanceId, type FleetEventPayload, type PubSub } from '../../pubsub.js';
import { enqueueDeliveries } from '../webhooks/webhooks.js';

/** The object whose status changed, as an event names it. */
export type Subject = {
  id: string;
  companyId: string;
  status: string;
  instanceId?: string | null;
  targetInstanceId?: string | null;
};

/** Writes the event of a state change inside the change's transaction. */
export async function recordFleetEvent(
  tx: Prisma.TransactionClient,
  kind: FleetEventPayload['kind'],
  subject: Subject,
): Promise<FleetEventPayload> {
  const row = await tx.fleetEventOutbox.create({
    data: {
      companyId: subject.companyId,
      kind,
      subjectId: subject.id,
      instanceId: eventInstanceId(kind, subject) ?? null,
      status: subject.status,
    },
  });
  return toPayload(row);
}

/** The rows of several events at once (the poller's batches); their ids are chosen here. */
export function fleetEventRows(
  kind: FleetEventPayload['kind'],
  subjects: Subject[],
): Prisma.FleetEventOutboxCreateManyInput[] {
  const occurredAt = new Date();
  return subjects.map((subject) => ({
    id: crypto.randomUUID(),
    companyId: subject.companyId,
    kind,
    subjectId: subject.id,
    instanceId: eventInstanceId(kind, subject) ?? null,
    status: subject.status,
    occurredAt,
  }));
}

export function toPayload(row: {
  id?: string;
  companyId: string;
  kind: string;
  subjectId: string;
  instanceId?: string | null;
  status: string;
  occurredAt?: Date | string;
}): FleetEventPayload {
  const occurredAt =
    row.occurredAt instanceof Date ? row.occurredAt.toISOString() : (row.occurredAt ?? new Date().toISOString());
  return {
    eventId: row.id,
    companyId: row.companyId,
    kind: row.kind as FleetEventPayload['kind'],
    subjectId: row.subjectId,
    instanceId: row.instanceId ?? undefined,
    status: row.status,
    occurredAt,
  };
}

/** Tells live subscribers, after the commit (a crash before this loses only the live copy). */
export function publishRecorded(pubsub: PubSub, event: FleetEventPayload): void {
  pubsub.publish('fleetEvents', event.companyId, event);
}

/**
 * Relays up to `limit` unrelayed events, oldest first, into webhook deliveries. Replicas
 * share the work (SKIP LOCKED). Returns how many events were relayed.
 */
export async function relayOutbox(prisma: PrismaClient, limit = 200): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<
      Array<{
        id: string;
        companyId: string;
        kind: string;
        subjectId: string;
        instanceId: string | null;
        status: string;
        occurredAt: Date;
      }>
    >`
      SELECT id, "companyId", kind, "subjectId", "instanceId", status, "occurredAt" FROM "FleetEventOutbox"
      WHERE "relayedAt" IS NULL ORDER BY "occurredAt", id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
    for (const row of rows) await enqueueDeliveries(tx, toPayload(row));
    if (rows.length > 0) {
      await tx.fleetEventOutbox.updateMany({
        where: { id: { in: rows.map((row) => row.id) } },
        data: { relayedAt: new Date() },
      });
    }
    return rows.length;
  });
}

/** Deletes relayed events older than `days`. */
export async function pruneOutbox(prisma: PrismaClient, days: number): Promise<number> {
  const { count } = await prisma.fleetEventOutbox.deleteMany({
    where: { relayedAt: { lt: new Date(Date.now() - days * 86_400_000) } },
  });
  return count;
}
