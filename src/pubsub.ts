// Typed topics of the server's event bus. Payloads stay JSON-serialisable so a Redis
// event target can carry them between replicas.
import { createPubSub } from 'graphql-yoga';

export interface FleetEventPayload {
  companyId: string;
  kind: 'INSTANCE' | 'BACKUP' | 'RESTORE' | 'DEPLOYMENT';
  /** database id of the instance, backup, restore or deployment that changed */
  subjectId: string;
  status: string;
  occurredAt: string;
}

export type PubSubTopics = {
  /** every status change of one company's objects, keyed by company id */
  fleetEvents: [companyId: string, payload: FleetEventPayload];
  /** a deployment's status or log changed, keyed by deployment id */
  deploymentChanged: [deploymentId: string, payload: { deploymentId: string; status: string }];
  /** an API key was revoked: open streams authenticated with it must end */
  apiKeyRevoked: [payload: { apiKeyId: string }];
};

export function createFleetPubSub() {
  return createPubSub<PubSubTopics>();
}

export type PubSub = ReturnType<typeof createFleetPubSub>;
