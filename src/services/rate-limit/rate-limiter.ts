// Request budgets for everyone (not only failed logins): per API key and per client
// address, in fixed windows. The counters live in Redis when REDIS_URL is set, so every
// replica spends from one budget; otherwise in this process. Every answer tells the
// client where it stands with the IETF RateLimit-Policy / RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers), and a spent budget is a 429 with Retry-After.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectLimitsRedis } from './limits-redis.js';

export interface Policy {
  /** the policy's name in the headers */
  name: string;
  /** requests per window */
  quota: number;
  windowSeconds: number;
}

export interface Usage {
  policy: Policy;
  remaining: number;
  /** seconds until the window ends */
  resetSeconds: number;
  exceeded: boolean;
}

/** Counts one hit in the window of `key`; returns the count so far and the window's ms left. */
export interface CounterStore {
  hit(key: string, windowMs: number): Promise<{ count: number; msLeft: number }>;
}

export function memoryCounterStore(now: () => number = Date.now): CounterStore {
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    async hit(key, windowMs) {
      const at = now();
      let window = windows.get(key);
      if (!window || window.endsAt <= at) {
        // Windows that ended are dropped as keys come by, so the map stays small.
        if (windows.size > 10_000) for (const [name, old] of windows) if (old.endsAt <= at) windows.delete(name);
        window = { count: 0, endsAt: Math.floor(at / windowMs) * windowMs + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return { count: window.count, msLeft: window.endsAt - at };
    },
  };
}

// INCR and the window's expiry in one step, so no replica sees a counter without an end.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`;

export function redisCounterStore(
  redis: Redis,
  prefix = 'fleet:ratelimit:',
  now: () => number = Date.now,
): CounterStore {
  return {
    async hit(key, windowMs) {
      const windowIndex = Math.floor(now() / windowMs);
      const msToEnd = (windowIndex + 1) * windowMs - now();
      const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, `${prefix}${key}:${windowIndex}`, String(msToEnd))) as [
        number,
        number,
      ];
      return { count, msLeft: ttl > 0 ? ttl : msToEnd };
    },
  };
}

/** A short, one-way name for a bearer token: counters never hold the token itself. */
export function tokenKey(authorization: string): string {
  return createHash('sha256').update(authorization).digest('base64url').slice(0, 22);
}

export interface RequestLimits {
  /** spends one request from each budget that applies; the usages, most constrained first */
  spend(subject: { address: string; authorization: string | null }): Promise<Usage[]>;
}

export function createRequestLimits(
  store: CounterStore,
  policies: { perKey: Policy; perAddress: Policy },
): RequestLimits {
  async function use(policy: Policy, id: string): Promise<Usage> {
    const { count, msLeft } = await store.hit(`${policy.name}:${id}`, policy.windowSeconds * 1000);
    return {
      policy,
      remaining: Math.max(0, policy.quota - count),
      resetSeconds: Math.max(1, Math.ceil(msLeft / 1000)),
      exceeded: count > policy.quota,
    };
  }
  return {
    async spend({ address, authorization }) {
      const usages = await Promise.all([
        use(policies.perAddress, address),
        ...(authorization ? [use(policies.perKey, tokenKey(authorization))] : []),
      ]);
      return usages.sort((a, b) => Number(b.exceeded) - Number(a.exceeded) || a.remaining - b.remaining);
    },
  };
}

/** The response fields for `usages` (draft-ietf-httpapi-ratelimit-headers structured fields). */
export function rateLimitHeaders(usages: Usage[]): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Policy': usages
      .map(({ policy }) => `"${policy.name}";q=${policy.quota};w=${policy.windowSeconds}`)
      .join(', '),
    RateLimit: usages.map((usage) => `"${usage.policy.name}";r=${usage.remaining};t=${usage.resetSeconds}`).join(', '),
  };
  const exceeded = usages.filter((usage) => usage.exceeded);
  if (exceeded.length > 0) headers['Retry-After'] = String(Math.max(...exceeded.map((usage) => usage.resetSeconds)));
  return headers;
}

/**
 * The request budgets of a server: in Redis when `redisUrl` is given (one budget for all
 * replicas), otherwise in this process.
 */
export async function openRequestLimits(settings: {
  redisUrl?: string;
  perKeyPerMinute: number;
  perAddressPerMinute: number;
}): Promise<{ limits: RequestLimits; close(): Promise<void> }> {
  const policies = {
    perKey: { name: 'key', quota: settings.perKeyPerMinute, windowSeconds: 60 },
    perAddress: { name: 'address', quota: settings.perAddressPerMinute, windowSeconds: 60 },
  };
  if (!settings.redisUrl) return { limits: createRequestLimits(memoryCounterStore(), policies), close: async () => {} };
  const redis = await connectLimitsRedis(settings.redisUrl);
  return {
    limits: createRequestLimits(redisCounterStore(redis), policies),
    async close() {
      await redis.quit().catch(() => {});
    },
  };
}
