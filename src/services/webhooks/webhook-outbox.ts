// Fleet events become webhook deliveries where they are published: on the one replica
// that produced the event, so several replicas sharing Redis do not deliver it twice.
import type { FleetEventPayload, PubSub } from '../../pubsub.js';

export function publishingToWebhooks(pubsub: PubSub, enqueue: (event: FleetEventPayload) => Promise<unknown>, onError: (error: unknown) => void): PubSub {
  const publish = ((...args: Parameters<PubSub['publish']>) => {
    (pubsub.publish as (...values: unknown[]) => void)(...args);
    if (args[0] === 'fleetEvents') enqueue(args[2] as FleetEventPayload).catch(onError);
  }) as PubSub['publish'];
  return { ...pubsub, publish };
}
