// Counts failed authentications per client address in a sliding minute, so a token
// cannot be guessed at speed. In memory per replica: each replica limits on its own.
export interface FailureLimiter {
  /** seconds to wait when the address is blocked, else 0 */
  retryAfter(address: string, now?: number): number;
  recordFailure(address: string, now?: number): void;
}

const WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 100_000;

export function createFailureLimiter(maxFailuresPerMinute: number): FailureLimiter {
  const failures = new Map<string, number[]>();
  const recent = (address: string, now: number) =>
    (failures.get(address) ?? []).filter((at) => now - at < WINDOW_MS);
  return {
    retryAfter(address, now = Date.now()) {
      const times = recent(address, now);
      if (times.length < maxFailuresPerMinute) return 0;
      return Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000));
    },
    recordFailure(address, now = Date.now()) {
      if (!failures.has(address) && failures.size >= MAX_TRACKED_ADDRESSES) {
        // Forget the oldest entry rather than grow without bound under a spray of addresses.
        failures.delete(failures.keys().next().value!);
      }
      failures.set(address, [...recent(address, now), now]);
    },
  };
}
