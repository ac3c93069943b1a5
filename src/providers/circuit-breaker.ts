// One breaker per remote base URL: after `failureThreshold` consecutive transient
// failures it opens and calls fail at once for `cooldownMs`; then one trial call is let
// through (half-open), and its outcome closes or re-opens the breaker.
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreaker {
  readonly state: BreakerState;
  /** false when the call must not be made now */
  allow(): boolean;
  recordSuccess(): void;
  recordFailure(): void;
}

export interface BreakerOptions {
  failureThreshold?: number;
  cooldownMs?: number;
  now?: () => number;
}

export function createCircuitBreaker(options: BreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 5;
  const cooldownMs = options.cooldownMs ?? 10_000;
  const now = options.now ?? Date.now;
  let failures = 0;
  let openedAt: number | null = null;
  let trialInFlight = false;
  const state = (): BreakerState => {
    if (openedAt === null) return 'closed';
    return now() - openedAt >= cooldownMs ? 'half-open' : 'open';
  };
  return {
    get state() {
      return state();
    },
    allow() {
      const current = state();
      if (current === 'closed') return true;
      if (current === 'half-open' && !trialInFlight) {
        trialInFlight = true;
        return true;
      }
      return false;
    },
    recordSuccess() {
      failures = 0;
      openedAt = null;
      trialInFlight = false;
    },
    recordFailure() {
      failures += 1;
      if (state() === 'half-open' || failures >= threshold) openedAt = now();
      trialInFlight = false;
    },
  };
}

/** The breakers of one process, by base URL; owned by the composition root, not global. */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();
  constructor(private readonly options: BreakerOptions = {}) {}
  for(baseUrl: string): CircuitBreaker {
    let breaker = this.breakers.get(baseUrl);
    if (!breaker) {
      breaker = createCircuitBreaker(this.options);
      this.breakers.set(baseUrl, breaker);
    }
    return breaker;
  }
}
