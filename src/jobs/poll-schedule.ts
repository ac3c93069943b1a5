// When an instance is polled next, and what a poll may cost. A definite refusal by the
// provider (unknown instance, bad credentials) backs the instance off at once; a
// transient failure (timeout, 5xx, 429) is tried again at the normal cadence twice
// before backing off, because under partial provider faults most such failures are the
// provider's, not the instance's, and backing every instance off would leave the fleet
// unwatched exactly when it is degraded.
import { ProviderError } from '../providers/errors.js';

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
