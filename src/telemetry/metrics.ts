// The server's Prometheus metrics: one registry per process, created by the composition
// root and handed to whatever records into it (no prom-client default registry, so two
// apps in one test process never mix their series).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds, from a cached query to a slow provider call. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type GraphQLOutcome = 'success' | 'error';
export type ProviderCallOutcome = 'success' | 'error' | 'timeout' | 'circuit_open';

export function createFleetMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const beforeScrape: Array<() => Promise<void>> = [];

  return {
    registry,
    /** runs `refresh` at the start of every scrape (one round of queries for many gauges) */
    refreshOnScrape(refresh: () => Promise<void>): void {
      beforeScrape.push(refresh);
    },
    /** the text of a scrape, after every refresh has run */
    async scrape(): Promise<string> {
      await Promise.all(beforeScrape.map((refresh) => refresh()));
      return registry.metrics();
    },
    graphqlOperations: new Counter({
      name: 'fleet_graphql_operations_total',
      help: 'GraphQL operations executed, by operation name, type and outcome',
      labelNames: ['operation', 'type', 'outcome'] as const,
      registers,
    }),
    graphqlDuration: new Histogram({
      name: 'fleet_graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL queries and mutations (subscriptions: time to the first result)',
      labelNames: ['operation', 'type', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    openSubscriptions: new Gauge({
      name: 'fleet_graphql_subscriptions_open',
      help: 'GraphQL subscriptions currently streaming, by transport (ws or sse)',
      labelNames: ['transport'] as const,
      registers,
    }),
    eventsPublished: new Counter({
      name: 'fleet_events_published_total',
      help: 'Events published on the event bus by this replica, by topic',
      labelNames: ['topic'] as const,
      registers,
    }),
    eventsDelivered: new Counter({
      name: 'fleet_events_delivered_total',
      help: 'Events handed to subscribers on this replica, by topic (one per subscriber)',
      labelNames: ['topic'] as const,
      registers,
    }),
    providerCalls: new Counter({
      name: 'fleet_provider_calls_total',
      help: 'Calls to hosting providers, by provider, route (provider method) and outcome',
      labelNames: ['provider', 'route', 'outcome'] as const,
      registers,
    }),
    providerDuration: new Histogram({
      name: 'fleet_provider_call_duration_seconds',
      help: 'Latency of calls to hosting providers, retries included',
      labelNames: ['provider', 'route', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    pollerTicks: new Counter({
      name: 'fleet_poller_ticks_total',
      help: 'Poll ticks run by this replica',
      registers,
    }),
    pollerTickDuration: new Histogram({
      name: 'fleet_poller_tick_duration_seconds',
      help: 'Duration of poll ticks on this replica',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
      registers,
    }),
    instancesPolled: new Counter({
      name: 'fleet_poller_instances_polled_total',
      help: 'Instance polls by this replica, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    workerSteps: new Counter({
      name: 'fleet_operation_steps_total',
      help: 'Steps of long operations run by this replica, by kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    workerStepDuration: new Histogram({
      name: 'fleet_operation_step_duration_seconds',
      help: 'Duration of one step of a long operation, by kind',
      labelNames: ['kind'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  };
}

export type FleetMetrics = ReturnType<typeof createFleetMetrics>;

export function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}
