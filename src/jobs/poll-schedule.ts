// When an instance is polled next, and what a poll may cost. A definite refusal by the
// provider (unknown instance, bad credentials) backs the instance off at once; a
// transient failure (timeout, 5xx, 429) is tried again at the normal cadence twice
// before backing off, because under partial provider faults most such failures are the
// provider's, not the instance's, and backing every instance off would leave the fleet
// unwatched exactly when it is degraded. An instance that answers moves towards a slot
// of its own in the interval, so the fleet's polls are spread over it (see nextPollAt).
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

/**
 * When an instance that answered (or failed transiently within its grace) is polled
 * next: one interval on, moved by at most a twentieth of an interval towards the
 * instance's own slot of the interval (a fixed phase from its id). So an instance is
 * never polled twice within 0.95 intervals nor left longer than 1.05, and a fleet created
 * or recovered at once drifts apart over some rounds until it is spread over the interval,
 * instead of polling in lockstep: a fleet due in the same second sent every call at
 * once, its own burst timed calls out, and the provider host's breaker counted those as
 * the host failing and paused the whole fleet.
 * Backing off (repeated failures) leaves the slots; answers bring it back.
 */
export function nextPollAt(
  at: Date,
  intervalMs: number,
  consecutiveFailures: number,
  lastFailureDefinite = false,
  options: { instanceId?: string; random?: () => number } = {},
): Date {
  const exponent = lastFailureDefinite ? consecutiveFailures : Math.max(0, consecutiveFailures - TRANSIENT_GRACE);
  const factor = Math.min(2 ** exponent, MAX_BACKOFF_FACTOR);
  if (factor === 1 && options.instanceId !== undefined) return nextSlot(at, intervalMs, options.instanceId);
  // A little jitter keeps instances backed off together from staying in lockstep. Only
  // earlier, never later: a later time would miss the tick one interval on when ticks
  // come at the interval, and double the gap between samples.
  const jitter = 1 - (options.random ?? Math.random)() * 0.05;
  return new Date(at.getTime() + intervalMs * factor * jitter);
}

/** One interval after `at`, moved at most a twentieth of an interval towards the instance's nearest slot. */
export function nextSlot(at: Date, intervalMs: number, instanceId: string): Date {
  const phase = phaseOf(instanceId, intervalMs);
  const due = at.getTime() + intervalMs;
  const slot = phase + Math.round((due - phase) / intervalMs) * intervalMs;
  const step = intervalMs / 20;
  return new Date(due + Math.max(-step, Math.min(step, slot - due)));
}

/** A stable offset in [0, intervalMs) from the id (FNV-1a), spread evenly over ids. */
export function phaseOf(instanceId: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < instanceId.length; index += 1) {
    hash ^= instanceId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % Math.max(1, Math.round(intervalMs));
}

/** How many times its fair share of the fleet a tick may start: a backlog clears within half an interval. */
const BACKLOG_HEADROOM = 2;

/**
 * The most polls one tick may start: twice the share of the fleet that falls due between
 * two ticks. A fleet that is all due at once (at start, or when a provider host's breaker
 * closes again) is worked off over a few ticks instead of in one burst: a burst of every
 * call at once timed its own calls out, the host's breaker counted them as the host
 * failing and opened again, and the fleet stayed dark (issue 17).
 */
export function pollsPerTick(fleetSize: number, tickSpacingMs: number, intervalMs: number): number {
  const share = (fleetSize * Math.min(tickSpacingMs, intervalMs)) / intervalMs;
  return Math.max(1, Math.ceil(share * BACKLOG_HEADROOM));
}

/** Polls a tick may start while the fleet comes back after its provider host's circuit opened. */
const RAMP_START = 1;
/** Above this, the ramp is over: the share of the fleet alone limits a tick. */
const RAMP_END = 1024;

/**
 * Slow start after an open circuit: a tick that follows polls refused by an open circuit
 * starts one poll (the breaker's trial), and each tick after that twice as many, until
 * the ramp ends. Coming back with the whole backlog at once is what reopened the breaker:
 * the calls of a full tick, sent together to a host just recovering (or to a process
 * short of CPU), time out together.
 */
export function rampAfterCircuit(previous: number, circuitWasOpen: boolean): number {
  if (circuitWasOpen) return RAMP_START;
  const next = previous * 2;
  return next > RAMP_END ? Number.POSITIVE_INFINITY : next;
}
