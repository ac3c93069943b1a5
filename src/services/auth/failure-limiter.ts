// Counts failed authentications in a sliding minute, per client address and per presented
// key prefix, so tokens cannot be guessed at speed from one address nor spread over many
// addresses against one key. Only failures are ever refused: a request with a valid key
// is authenticated before the limiter is asked, so nobody's failures (behind the same NAT
// or proxy, or aimed at the same key) can lock a valid key out. In memory per replica:
// each replica limits on its own.
export interface FailureLimiter {
  /** seconds to wait when any of these counters is over the limit, else 0 */
  retryAfter(counters: readonly string[], now?: number): number;
  recordFailure(counters: readonly string[], now?: number): void;
}

const WINDOW_MS = 60_000;
const MAX_TRACKED_COUNTERS = 100_000;
/** Characters of a presented token that name "the same key": the stored prefix and a little more. */
const PRESENTED_PREFIX_LENGTH = 12;

/** The counters a failed authentication counts against. */
export function failureCounters(address: string, presentedToken: string | null): string[] {
  return [`address:${address}`, ...(presentedToken ? [`key:${presentedToken.slice(0, PRESENTED_PREFIX_LENGTH)}`] : [])];
}

export function createFailureLimiter(maxFailuresPerMinute: number): FailureLimiter {
  const failures = new Map<string, number[]>();
  const recent = (counter: string, now: number) => (failures.get(counter) ?? []).filter((at) => now - at < WINDOW_MS);
  return {
    retryAfter(counters, now = Date.now()) {
      let wait = 0;
      for (const counter of counters) {
        const times = recent(counter, now);
        if (times.length >= maxFailuresPerMinute)
          wait = Math.max(wait, Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000)));
      }
      return wait;
    },
    recordFailure(counters, now = Date.now()) {
      for (const counter of counters) {
        if (!failures.has(counter) && failures.size >= MAX_TRACKED_COUNTERS) {
          // Forget the oldest entry rather than grow without bound under a spray of addresses.
          failures.delete(failures.keys().next().value!);
        }
        failures.set(counter, [...recent(counter, now), now].slice(-maxFailuresPerMinute));
      }
    },
  };
}
