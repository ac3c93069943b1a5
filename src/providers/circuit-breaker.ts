// One breaker per provider host: it opens when most of the recent calls failed (at least
// `failureThreshold` failures, `minimumCalls` outcomes, and `failureRatio` of the last
// `windowSize` outcomes), and
// calls then fail at once for `cooldownMs`; one trial call is let through (half-open),
// and its outcome closes or re-opens the breaker. A share rather than a run of
// consecutive failures: a provider failing 30 % of its calls is degraded, not down, and
// pausing every call to it would blind the poller exactly when it is needed.
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
  /** outcomes needed before the share means anything; default 20 */
  minimumCalls?: number;
  /** share of failed calls in the window that opens the breaker; default 0.6 */
  failureRatio?: number;
  /** outcomes remembered; default 50 */
  windowSize?: number;
  cooldownMs?: number;
  now?: () => number;
}

export function createCircuitBreaker(options: BreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 5;
  const ratio = options.failureRatio ?? 0.6;
  const windowSize = Math.max(options.windowSize ?? 50, threshold);
  const minimumCalls = Math.min(options.minimumCalls ?? 20, windowSize);
  const cooldownMs = options.cooldownMs ?? 10_000;
  const now = options.now ?? Date.now;
  let outcomes: boolean[] = []; // true: failed
  let failures = 0;
  let openedAt: number | null = null;
  let trialInFlight = false;
  const state = (): BreakerState => {
    if (openedAt === null) return 'closed';
    return now() - openedAt >= cooldownMs ? 'half-open' : 'open';
  };
  const remember = (failed: boolean) => {
    outcomes.push(failed);
    if (failed) failures += 1;
    if (outcomes.length > windowSize && outcomes.shift()) failures -= 1;
  };
  const reset = () => {
    outcomes = [];
    failures = 0;
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
      if (openedAt !== null) {
        // the trial (or a call made before opening) succeeded: start afresh
        openedAt = null;
        reset();
      } else {
        remember(false);
      }
      trialInFlight = false;
    },
    recordFailure() {
      const current = state();
      if (current === 'half-open') {
        openedAt = now();
      } else if (current === 'closed') {
        remember(true);
        if (failures >= threshold && outcomes.length >= minimumCalls && failures / outcomes.length >= ratio) {
          openedAt = now();
          reset();
        }
      }
      trialInFlight = false;
    },
  };
}

/** The breakers of one process, by provider host; owned by the composition root, not global. */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();
  constructor(private readonly options: BreakerOptions = {}) {}
  /** The breaker of the host of `url`: every base URL and token of one host shares it. */
  for(url: string): CircuitBreaker {
    const host = hostOf(url);
    let breaker = this.breakers.get(host);
    if (!breaker) {
      breaker = createCircuitBreaker(this.options);
      this.breakers.set(host, breaker);
    }
    return breaker;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url;
  }
}
