// Wrappers the composition root puts around the parts it wires together, so that
// provider calls, events, poll ticks and worker steps are measured and traced without
// those modules knowing about telemetry.
import type { Operation } from '../generated/prisma/client.js';
import type { Poller } from '../jobs/poller.js';
import type { Logger } from '../logger.js';
import { CircuitBreakers, type BreakerState, type CircuitBreaker } from '../providers/circuit-breaker.js';
import { ProviderError } from '../providers/errors.js';
import type { InstanceProvider } from '../providers/provider.js';
import type { ProviderRegistry, ProviderTarget } from '../providers/registry.js';
import type { PubSub } from '../pubsub.js';
import type { OperationHandlers } from '../services/operations/worker.js';
import { secondsSince, type ProviderCallOutcome } from './metrics.js';
import { newRequestId, type RequestScope } from './request-context.js';
import type { Telemetry } from './telemetry.js';
import { inSpan } from './tracing.js';
import { ROOT_CONTEXT } from '@opentelemetry/api';

function outcomeOf(error: unknown): ProviderCallOutcome {
  if (error instanceof ProviderError && error.details.code === 'timeout') return 'timeout';
  if (error instanceof ProviderError && error.details.code === 'circuit_open') return 'circuit_open';
  return 'error';
}

/** A provider whose every method call is counted, timed and traced; `route` is the method. */
function instrumentProvider(provider: InstanceProvider, name: string, telemetry: Telemetry): InstanceProvider {
  const { metrics } = telemetry;
  return new Proxy(provider, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        const labels = { provider: name, route: property };
        try {
          const result: unknown = await inSpan(
            telemetry.tracing,
            telemetry.context,
            `provider ${name}.${property}`,
            { 'fleet.provider': name, 'fleet.provider.route': property },
            async () => (value as (...values: unknown[]) => unknown).apply(target, args),
          );
          metrics.providerCalls.inc({ ...labels, outcome: 'success' });
          metrics.providerDuration.observe({ ...labels, outcome: 'success' }, secondsSince(started));
          return result;
        } catch (error) {
          const outcome = outcomeOf(error);
          metrics.providerCalls.inc({ ...labels, outcome });
          metrics.providerDuration.observe({ ...labels, outcome }, secondsSince(started));
          throw error;
        }
      };
    },
  });
}

export function instrumentProviders(registry: ProviderRegistry, telemetry: Telemetry): ProviderRegistry {
  return {
    ...registry,
    odooShAccount: () => instrumentProvider(registry.odooShAccount(), 'odoo_sh', telemetry),
    providerFor: (instance: ProviderTarget) =>
      instrumentProvider(registry.providerFor(instance), instance.deploymentMethod.toLowerCase(), telemetry),
  };
}

/** Circuit breakers whose states the metrics can list. */
export class ObservedBreakers extends CircuitBreakers {
  private readonly seen = new Map<string, CircuitBreaker>();
  override for(baseUrl: string): CircuitBreaker {
    const breaker = super.for(baseUrl);
    this.seen.set(baseUrl, breaker);
    return breaker;
  }
  *states(): Iterable<[string, BreakerState]> {
    for (const [baseUrl, breaker] of this.seen) yield [baseUrl, breaker.state];
  }
}

/** Counts events published on this replica, and events handed to each subscriber. */
export function countingPubSub(pubsub: PubSub, telemetry: Telemetry): PubSub {
  const { metrics } = telemetry;
  const publish = ((...args: Parameters<PubSub['publish']>) => {
    metrics.eventsPublished.inc({ topic: String(args[0]) });
    (pubsub.publish as (...values: unknown[]) => void)(...args);
  }) as PubSub['publish'];
  const subscribe = ((...args: Parameters<PubSub['subscribe']>) => {
    const source = (pubsub.subscribe as unknown as (...values: unknown[]) => AsyncIterableIterator<unknown>)(...args);
    const topic = String(args[0]);
    const counted: AsyncIterableIterator<unknown> = {
      async next() {
        const item = await source.next();
        if (!item.done) metrics.eventsDelivered.inc({ topic });
        return item;
      },
      return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
      throw: (error?: unknown) => source.throw?.(error) ?? Promise.reject(error),
      [Symbol.asyncIterator]() {
        return counted;
      },
    };
    return counted;
  }) as PubSub['subscribe'];
  return { ...pubsub, publish, subscribe };
}

const freshScope = (requestId = newRequestId()): RequestScope => ({ requestId, traceContext: ROOT_CONTEXT });

/** A poller whose ticks are measured and traced, each tick a scope of its own in the logs. */
export function observedPoller(poller: Poller, telemetry: Telemetry): Poller {
  const { metrics, context } = telemetry;
  return {
    get owner() {
      return poller.owner;
    },
    intervalMs: poller.intervalMs,
    drain: () => poller.drain(),
    tick: () =>
      context.run(freshScope(), () =>
        inSpan(telemetry.tracing, context, 'poller.tick', {}, async () => {
          const report = await poller.tick();
          metrics.pollerTicks.inc();
          metrics.pollerTickDuration.observe(report.durationMs / 1000);
          metrics.instancesPolled.inc({ outcome: 'success' }, report.instancesPolled - report.failures);
          metrics.instancesPolled.inc({ outcome: 'failure' }, report.failures);
          return report;
        }),
      ),
    pollNow: (instanceId) => poller.pollNow(instanceId),
  };
}

/**
 * Worker steps run in the scope of the request that started their operation (its
 * `requestId` column), so their log lines and spans carry that request's id.
 */
export function observedHandlers(handlers: OperationHandlers, telemetry: Telemetry, logger: Logger): OperationHandlers {
  const { metrics, context } = telemetry;
  const wrapped: OperationHandlers = {};
  for (const [kind, handler] of Object.entries(handlers) as Array<
    [keyof OperationHandlers, NonNullable<OperationHandlers[keyof OperationHandlers]>]
  >) {
    wrapped[kind] = {
      ...handler,
      step: (operation: Operation) =>
        context.run(freshScope(operation.requestId ?? undefined), async () => {
          const started = performance.now();
          try {
            const outcome = await inSpan(
              telemetry.tracing,
              context,
              `worker.step ${kind}.${operation.step}`,
              {
                'fleet.operation.id': operation.id,
                'fleet.operation.kind': kind,
                'fleet.operation.step': operation.step,
              },
              () => handler.step(operation),
            );
            const result = 'done' in outcome ? 'done' : 'failed' in outcome ? 'failed' : 'next';
            metrics.workerSteps.inc({ kind, outcome: result });
            logger.debug('operation step', {
              operation: operation.id,
              kind,
              step: operation.step,
              outcome: result,
              ms: Math.round(performance.now() - started),
            });
            return outcome;
          } catch (error) {
            metrics.workerSteps.inc({ kind, outcome: 'error' });
            // Logged here, inside the scope, so the line carries the starting request's id.
            logger.warn('operation step failed', {
              operation: operation.id,
              kind,
              step: operation.step,
              error: error instanceof Error ? error.message : String(error),
            });
            throw error;
          } finally {
            metrics.workerStepDuration.observe({ kind }, secondsSince(started));
          }
        }),
    };
  }
  return wrapped;
}
