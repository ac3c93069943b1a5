import { encodeGlobalID } from '@pothos/plugin-relay';
import { filter } from 'graphql-yoga';
import type { GraphQLContext } from '../../context.js';
import type { FleetEventPayload } from '../../pubsub.js';
import { atExpiry } from '../../services/auth/expiry.js';
import { builder } from '../builder.js';
import { companyOf } from '../tenancy.js';

const FleetEventKindEnum = builder.enumType('FleetEventKind', {
  description: 'What kind of object changed.',
  values: {
    INSTANCE: { description: 'An instance (see `subjectId`).' },
    BACKUP: { description: 'A backup.' },
    RESTORE: { description: 'A restore of a backup.' },
    HEALTH: {
      description: 'The health of an instance changed (HEALTHY, DEGRADED, DOWN); `subjectId` is the instance.',
    },
    DEPLOYMENT: { description: 'A deployment.' },
    LOG: {
      description:
        "An instance logged an ERROR or CRITICAL line; `subjectId` is the instance, `status` the level, `log` the line. Live only (no webhook): the lines stay in the instance's `logs`.",
    },
  } as const,
});

const subjectTypename: Record<FleetEventPayload['kind'], string> = {
  INSTANCE: 'OdooInstance',
  BACKUP: 'Backup',
  RESTORE: 'Restore',
  HEALTH: 'OdooInstance',
  DEPLOYMENT: 'Deployment',
  LOG: 'OdooInstance',
};

const FleetEventLogType = builder.objectRef<{ logger: string; message: string }>('FleetEventLog').implement({
  description: 'The log line behind a LOG event.',
  fields: (t) => ({
    logger: t.exposeString('logger', { description: 'The Odoo logger that wrote it, e.g. `odoo.addons.sale`.' }),
    message: t.exposeString('message', { description: 'The message of the line.' }),
  }),
});

/**
 * What every subscriber's copy of an event derives the same way, derived once per event:
 * one published event is resolved for each of thousands of subscribers.
 */
const derived = new WeakMap<FleetEventPayload, { subjectId: string; occurredAt: Date }>();
function perEvent(event: FleetEventPayload): { subjectId: string; occurredAt: Date } {
  let values = derived.get(event);
  if (!values) {
    values = {
      subjectId: encodeGlobalID(subjectTypename[event.kind], event.subjectId),
      occurredAt: new Date(event.occurredAt),
    };
    derived.set(event, values);
  }
  return values;
}

export const FleetEventType = builder.objectRef<FleetEventPayload>('FleetEvent').implement({
  description: "A status change of one of the company's instances, backups, restores or deployments.",
  fields: (t) => ({
    kind: t.field({ type: FleetEventKindEnum, description: 'What changed.', resolve: (event) => event.kind }),
    subjectId: t.id({
      description: 'Global id of the object that changed; fetch it with `node`.',
      resolve: (event) => perEvent(event).subjectId,
    }),
    status: t.exposeString('status', { description: 'Its new status.' }),
    occurredAt: t.field({
      type: 'DateTime',
      description: 'When it changed (for LOG, when the line was logged).',
      resolve: (event) => perEvent(event).occurredAt,
    }),
    log: t.field({
      type: FleetEventLogType,
      nullable: true,
      description: 'For LOG events, the line; null for the other kinds.',
      resolve: (event) => event.log ?? null,
    }),
  }),
});

/**
 * Ends a stream when the caller's API key is revoked or expires, so SSE and WebSocket
 * subscribers lose access at once, not at their next request. The source's own iterator
 * is handed on (no second buffer per subscriber): ending it settles a pending `next`.
 */
export function untilRevoked<T>(context: GraphQLContext, source: AsyncIterable<T>): AsyncIterable<T> {
  const apiKeyId = context.caller?.kind === 'apiKey' ? context.caller.apiKeyId : null;
  if (!apiKeyId || context.endsWithConnection) return source;
  const expiresAt = context.caller?.kind === 'apiKey' ? context.caller.expiresAt : null;
  const events = source[Symbol.asyncIterator]();
  const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let ended = false;
  const end = (): Promise<IteratorReturnResult<undefined>> => {
    if (ended) return Promise.resolve(finished);
    ended = true;
    cancelExpiry?.();
    // One entry in the server's revocation map, not one more listener on the topic.
    unwatch();
    return Promise.resolve(events.return?.()).then(() => finished);
  };
  const cancelExpiry = expiresAt ? atExpiry(expiresAt, () => void end()) : null;
  const unwatch = context.revocations.watch(apiKeyId, () => void end());
  const stream: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => stream,
    next: async () => {
      if (ended) return finished;
      const next = await events.next();
      if (next.done) await end();
      return ended ? finished : next;
    },
    return: end,
  };
  return stream;
}

/** A key limited to some instances gets only their events (events that name no instance are dropped). */
export function onlyVisible(
  context: GraphQLContext,
  events: AsyncIterable<FleetEventPayload>,
): AsyncIterable<FleetEventPayload> {
  const allowed = context.caller?.kind === 'apiKey' ? context.caller.instanceIds : null;
  if (!allowed) return events;
  // filter() ends its source when the subscriber leaves, even while waiting for an event.
  return filter((event: FleetEventPayload) => Boolean(event.instanceId && allowed.includes(event.instanceId)))(events);
}

builder.subscriptionField('fleetEvents', (t) =>
  t.field({
    type: FleetEventType,
    description:
      "Every status change of the caller's company's instances, backups and deployments, and every ERROR line its instances log (LOG), for dashboards.",
    authScopes: { member: true },
    subscribe: (_root, _args, context) =>
      untilRevoked(context, onlyVisible(context, context.pubsub.subscribe('fleetEvents', companyOf(context)))),
    resolve: (event) => event,
  }),
);
