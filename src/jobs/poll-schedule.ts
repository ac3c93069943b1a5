// When an instance is polled next, and what a poll may cost. A definite refusal by the
// provider (unknown instance, bad credentials) backs the instance off at once; a
// transient failure (timeout, 5xx, 429) is tried again at the normal cadence twice
// before backing off, because under partial provider faults most such failures are the
// provider's, not the instance's, and backing every instance off would leave the fleet
// unwatched exactly when it is degraded.
import { ProviderError } from '../providers/errors.js';
import type { InstanceProvider, Page, ProviderLogEntry, ProviderMetric } from '../providers/provider.js';

const MAX_BACKOFF_FACTOR = 32;
/** consecutive transient failures polled again at the normal interval */
const TRANSIENT_GRACE = 2;

/** True for failures that say something about the instance itself. */
export function isDefiniteFailure(error: Error): boolean {
  return error instanceof ProviderError && !error.transient;
}

/** True when the call was not made at all: the provider host's circuit is open. */
export function isCircuitOpen(error: Error): boolean {
  return error instanceof ProviderError && error.details.code === 'circuit_open';
}

export function nextPollAt(at: Date, intervalMs: number, consecutiveFailures: number, lastFailureDefinite = false, random = Math.random): Date {
  const exponent = lastFailureDefinite ? consecutiveFailures : Math.max(0, consecutiveFailures - TRANSIENT_GRACE);
  const factor = Math.min(2 ** exponent, MAX_BACKOFF_FACTOR);
  // A little jitter keeps instances created together from staying in lockstep. Only
  // earlier, never later: a later time would miss the tick one interval on when ticks
  // come at the interval, and double the gap between samples.
  const jitter = 1 - random() * 0.05;
  return new Date(at.getTime() + intervalMs * factor * jitter);
}

function settleWithin<T>(ms: number, work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([work.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}

/**
 * The provider as the poller uses it: health decides whether a poll succeeded; metrics
 * and logs that fail or take longer than `budgetMs` come back empty, so their cursors
 * stay where they were and the next poll asks for the same window again. A flaky
 * metrics endpoint then costs no health sample.
 */
export function healthFirst(provider: InstanceProvider, budgetMs: number): InstanceProvider {
  const noMetrics: ProviderMetric[] = [];
  const noLogs: Page<ProviderLogEntry> = { items: [], nextCursor: null };
  return new Proxy(provider, {
    get(target, property, receiver) {
      if (property === 'getMetrics') return (...args: Parameters<InstanceProvider['getMetrics']>) => settleWithin(budgetMs, target.getMetrics(...args), noMetrics);
      if (property === 'getLogs') return (...args: Parameters<InstanceProvider['getLogs']>) => settleWithin(budgetMs, target.getLogs(...args), noLogs);
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
