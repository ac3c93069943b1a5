// Fleet events become webhook deliveries where they are published: on the one replica
// that produced the event, so several replicas sharing Redis do not deliver it twice.
// Events written to the transactional outbox (they carry an `eventId`) are left to the
// outbox relay (src/services/events/outbox.ts), which cannot lose them.
import type { FleetEventPayload, PubSub } from '../../pubsub.js';

export function publishingToWebhooks(pubsub: PubSub, enqueue: (event: FleetEventPayload) => Promise<unknown>, onError: (error: unknown) => void): PubSub {
  const publish = ((...args: Parameters<PubSub['publish']>) => {
    (pubsub.publish as (...values: unknown[]) => void)(...args);
    if (args[0] === 'fleetEvents' && !(args[2] as FleetEventPayload).eventId) enqueue(args[2] as FleetEventPayload).catch(onError);
  }) as PubSub['publish'];
  return { ...pubsub, publish };
}
