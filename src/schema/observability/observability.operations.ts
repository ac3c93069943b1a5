// Live health and metrics, an explicit health check, and the poller's own status.
import { Repeater } from 'graphql-yoga';
import { ConflictError, NotFoundError } from '../errors/error-classes.js';
import { builder } from '../builder.js';
import { untilRevoked } from '../fleet/fleet-events.schema.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { resultTypes, selectionOf, serviceResult } from '../mutation-result.js';
import { companyOf, ownedBy } from '../tenancy.js';
import type { PollerStatus, ReplicaTick } from '../../services/observability/poller-status.js';
import { HealthSampleType, MetricSampleType } from './observability.schema.js';

/**
 * A stream of one instance's samples: the latest at once, then one per event. The
 * instance is checked against the caller's company before anything is read.
 */
function sampleStream<T>(
  instanceId: string,
  context: Parameters<typeof untilRevoked>[0],
  topic: 'instanceHealth' | 'instanceMetrics',
  latest: () => Promise<T | null>,
): AsyncIterable<T> {
  return new Repeater<T>(async (push, stop) => {
    const events = untilRevoked(context, context.pubsub.subscribe(topic, instanceId))[Symbol.asyncIterator]();
    stop.then(() => events.return?.());
    const instance = await context.prisma.odooInstance.findFirst({
      where: { ...ownedBy(context, instanceId), status: { not: 'DELETED' } },
      select: { id: true },
    });
    if (!instance) {
      stop(new NotFoundError('OdooInstance', instanceId));
      return;
    }
    const first = await latest();
    if (first) await push(first);
    for (;;) {
      const next = await events.next();
      if (next.done) return stop();
      const sample = await latest();
      if (sample) await push(sample);
    }
  });
}

builder.subscriptionFields((t) => ({
  instanceHealth: t.field({
    type: HealthSampleType,
    description:
      'The latest health sample of an instance at once, then each new sample that differs (status or checks).',
    authScopes: { member: true },
    args: {
      instanceId: t.arg.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
    },
    subscribe: (_root, { instanceId }, context) =>
      sampleStream(instanceId.id, context, 'instanceHealth', () =>
        context.prisma.healthSample.findFirst({
          where: { instanceId: instanceId.id },
          orderBy: [{ checkedAt: 'desc' }, { id: 'desc' }],
        }),
      ),
    resolve: (sample) => sample,
  }),
  instanceMetrics: t.field({
    type: MetricSampleType,
    description: 'The latest metric sample of an instance at once, then each newer one as the poller stores it.',
    authScopes: { member: true },
    args: {
      instanceId: t.arg.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
    },
    subscribe: (_root, { instanceId }, context) =>
      sampleStream(instanceId.id, context, 'instanceMetrics', () =>
        context.prisma.metricSample.findFirst({ where: { instanceId: instanceId.id }, orderBy: { sampledAt: 'desc' } }),
      ),
    resolve: (sample) => sample,
  }),
}));

const CheckInstanceHealthInput = builder.inputType('CheckInstanceHealthInput', {
  description: 'The instance to check now.',
  fields: (t) => ({
    instanceId: t.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
  }),
});

builder.mutationField('checkInstanceHealth', (t) =>
  t.prismaField({
    type: OdooInstanceType,
    description:
      'Polls an instance now (health, metrics, logs) instead of waiting for the schedule; read the result from `health`.',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: CheckInstanceHealthInput, required: true, description: 'The instance.' }) },
    errors: {
      types: [NotFoundError, ConflictError],
      ...resultTypes('checkInstanceHealth', 'instance', 'The instance, checked.'),
    },
    resolve: async (query, _root, { input }, context) => {
      const instance = await serviceResult(context, 'checkInstanceHealth', input.instanceId.id, (services) =>
        services.instances.checkNow({
          companyId: companyOf(context),
          instanceId: ownedBy(context, input.instanceId.id).id,
        }),
      );
      return context.prisma.odooInstance.findUniqueOrThrow({ ...selectionOf(query), where: { id: instance.id } });
    },
  }),
);

const PollerReplicaType = builder.objectRef<ReplicaTick>('PollerReplica').implement({
  description: 'The last poll tick of one replica.',
  fields: (t) => ({
    owner: t.exposeString('owner', { description: 'Name of the replica (host, process).' }),
    lastTickAt: t.field({
      type: 'DateTime',
      description: 'When its last tick started.',
      resolve: (tick) => tick.startedAt,
    }),
    durationMs: t.exposeInt('durationMs', { description: 'How long that tick took.' }),
    instancesPolled: t.exposeInt('instancesPolled', { description: 'Instances it polled in that tick.' }),
    failures: t.exposeInt('failures', { description: 'Polls that failed in that tick.' }),
  }),
});

const PollerStatusType = builder.objectRef<PollerStatus>('PollerStatus').implement({
  description: 'How polling goes across the replicas.',
  fields: (t) => ({
    replicas: t.field({
      type: [PollerReplicaType],
      description: 'Live replicas (a tick within the last 3 poll intervals), latest first.',
      resolve: (status) => status.replicas,
    }),
    instancesDue: t.exposeInt('instancesDue', {
      description: 'Instances due for a poll now (a growing number means polling falls behind).',
    }),
    instancesFailing: t.exposeInt('instancesFailing', {
      description: 'Instances whose last poll failed (polled again with backoff).',
    }),
  }),
});

builder.queryField('pollerStatus', (t) =>
  t.field({
    type: PollerStatusType,
    description: "Platform admin: the poller's last tick on each replica, and the backlog.",
    authScopes: { platformAdmin: true },
    resolve: (_root, _args, context) => context.services.polling.status(),
  }),
);
