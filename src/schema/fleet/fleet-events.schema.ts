import { encodeGlobalID } from '@pothos/plugin-relay';
import { Repeater } from 'graphql-yoga';
import type { GraphQLContext } from '../../context.js';
import type { FleetEventPayload } from '../../pubsub.js';
import { builder } from '../builder.js';
import { companyOf } from '../tenancy.js';

const FleetEventKindEnum = builder.enumType('FleetEventKind', {
  description: 'What kind of object changed.',
  values: {
    INSTANCE: { description: 'An instance (see `subjectId`).' },
    BACKUP: { description: 'A backup.' },
    RESTORE: { description: 'A restore of a backup.' },
    HEALTH: { description: 'The health of an instance changed (HEALTHY, DEGRADED, DOWN); `subjectId` is the instance.' },
    DEPLOYMENT: { description: 'A deployment.' },
  } as const,
});

const subjectTypename: Record<FleetEventPayload['kind'], string> = {
  INSTANCE: 'OdooInstance',
  BACKUP: 'Backup',
  RESTORE: 'Restore',
  HEALTH: 'OdooInstance',
  DEPLOYMENT: 'Deployment',
};

export const FleetEventType = builder.objectRef<FleetEventPayload>('FleetEvent').implement({
  description: 'A status change of one of the company\'s instances, backups, restores or deployments.',
  fields: (t) => ({
    kind: t.field({ type: FleetEventKindEnum, description: 'What changed.', resolve: (event) => event.kind }),
    subjectId: t.id({
      description: 'Global id of the object that changed; fetch it with `node`.',
      resolve: (event) => encodeGlobalID(subjectTypename[event.kind], event.subjectId),
    }),
    status: t.exposeString('status', { description: 'Its new status.' }),
    occurredAt: t.field({ type: 'DateTime', description: 'When it changed.', resolve: (event) => new Date(event.occurredAt) }),
  }),
});

/**
 * Ends a stream when the caller's API key is revoked, so SSE and WebSocket subscribers
 * lose access at once, not at their next request.
 */
export function untilRevoked<T>(context: GraphQLContext, source: AsyncIterable<T>): AsyncIterable<T> {
  const apiKeyId = context.caller?.kind === 'apiKey' ? context.caller.apiKeyId : null;
  if (!apiKeyId) return source;
  return new Repeater<T>(async (push, stop) => {
    const revocations = context.pubsub.subscribe('apiKeyRevoked')[Symbol.asyncIterator]();
    const events = source[Symbol.asyncIterator]();
    void (async () => {
      for (;;) {
        const next = await revocations.next();
        if (next.done || next.value.apiKeyId === apiKeyId) break;
      }
      stop();
    })();
    void (async () => {
      for (;;) {
        const next = await events.next();
        if (next.done) break;
        await push(next.value);
      }
      stop();
    })();
    await stop;
    await Promise.all([revocations.return?.(), events.return?.()]);
  });
}

builder.subscriptionField('fleetEvents', (t) =>
  t.field({
    type: FleetEventType,
    description: 'Every status change of the caller\'s company\'s instances, backups and deployments, for dashboards.',
    authScopes: { member: true },
    subscribe: (_root, _args, context) => untilRevoked(context, context.pubsub.subscribe('fleetEvents', companyOf(context))),
    resolve: (event) => event,
  }),
);
