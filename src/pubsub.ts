// Typed topics of the server's event bus. Payloads stay JSON-serialisable so a Redis
// event target can carry them between replicas.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { createFanOutEventTarget, type FanOutOptions } from './pubsub-fan-out.js';

export interface FleetEventPayload {
  companyId: string;
  kind: 'INSTANCE' | 'BACKUP' | 'RESTORE' | 'DEPLOYMENT' | 'HEALTH' | 'LOG';
  /** database id of the instance (also for HEALTH and LOG), backup, restore or deployment that changed */
  subjectId: string;
  /** the instance the subject belongs to (the subject itself for INSTANCE, HEALTH and LOG) */
  instanceId?: string;
  status: string;
  occurredAt: string;
  /** the outbox row recording it, when the change wrote one (its webhooks come from there) */
  eventId?: string;
  /** LOG: the ERROR line's logger and message */
  log?: { logger: string; message: string };
}

export type PubSubTopics = {
  /** every status change of one company's objects, keyed by company id */
  fleetEvents: [companyId: string, payload: FleetEventPayload];
  /** a new health sample that differs from the previous one, keyed by instance id */
  instanceHealth: [instanceId: string, payload: { instanceId: string; status: string }];
  /** new log lines were stored, keyed by instance id */
  instanceLogs: [instanceId: string, payload: { instanceId: string }];
  /** new metric samples, keyed by instance id */
  instanceMetrics: [instanceId: string, payload: { instanceId: string; sampledAt: string }];
  /** a deployment's status or log changed, keyed by deployment id */
  deploymentChanged: [deploymentId: string, payload: { deploymentId: string; status: string }];
  /** a long operation of one company moved to another step (its subject's status may be unchanged), keyed by company id */
  operationProgress: [companyId: string, payload: FleetEventPayload];
  /** an API key was revoked: open streams authenticated with it must end */
  apiKeyRevoked: [payload: { apiKeyId: string }];
};

/** The instance a changed object belongs to (the object itself for INSTANCE, HEALTH and LOG). */
export function eventInstanceId(
  kind: FleetEventPayload['kind'],
  subject: { id: string; instanceId?: string | null; targetInstanceId?: string | null },
): string | undefined {
  return kind === 'INSTANCE' || kind === 'HEALTH' || kind === 'LOG'
    ? subject.id
    : (subject.instanceId ?? subject.targetInstanceId ?? undefined);
}

/** Announces a status change of one of a company's objects on `fleetEvents`. */
export function publishFleetEvent(
  pubsub: PubSub,
  kind: FleetEventPayload['kind'],
  subject: { id: string; companyId: string; status: string; instanceId?: string | null; targetInstanceId?: string },
): void {
  pubsub.publish('fleetEvents', subject.companyId, {
    companyId: subject.companyId,
    kind,
    subjectId: subject.id,
    instanceId: eventInstanceId(kind, subject),
    status: subject.status,
    occurredAt: new Date().toISOString(),
  });
}

export function createFleetPubSub(fanOut: FanOutOptions = {}) {
  // Publishing queues the event; subscribers get it in later turns of the event loop.
  return createPubSub<PubSubTopics>({ eventTarget: createFanOutEventTarget(fanOut) });
}

export type PubSub = ReturnType<typeof createFleetPubSub>;

/**
 * The same bus through Redis, so an event published on one replica reaches subscribers
 * on every replica (a subscriber connection cannot publish, hence two clients).
 */
export async function createRedisFleetPubSub(url: string): Promise<{ pubsub: PubSub; close(): Promise<void> }> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true };
  const publishClient = new Redis(url, options);
  const subscribeClient = new Redis(url, options);
  await Promise.all([publishClient.connect(), subscribeClient.connect()]);
  const eventTarget = createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<PubSubTopics>({ eventTarget }),
    async close() {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
