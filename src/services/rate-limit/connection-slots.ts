// How many graphql-ws connections one API key holds. With REDIS_URL the count is one for
// all replicas: each connection is a member of a sorted set per key in Redis, scored by
// when its lease ends; a replica renews the leases of its open connections, so the
// connections of a replica that dies without closing them stop counting when their
// leases run out. Without Redis the count is this process's.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectLimitsRedis } from './limits-redis.js';

export interface ConnectionSlots {
  /** takes a slot for a new connection of the key; false when the key holds `limit` already */
  acquire(apiKeyId: string, connectionId: string): Promise<boolean>;
  release(apiKeyId: string, connectionId: string): Promise<void>;
  close(): Promise<void>;
}

export function newConnectionId(): string {
  return randomUUID();
}

export function localConnectionSlots(limit: number): ConnectionSlots {
  const held = new Map<string, Set<string>>();
  return {
    async acquire(apiKeyId, connectionId) {
      const connections = held.get(apiKeyId) ?? new Set<string>();
      if (connections.size >= limit) return false;
      connections.add(connectionId);
      held.set(apiKeyId, connections);
      return true;
    },
    async release(apiKeyId, connectionId) {
      const connections = held.get(apiKeyId);
      connections?.delete(connectionId);
      if (connections?.size === 0) held.delete(apiKeyId);
    },
    async close() {
      held.clear();
    },
  };
}

// Drops expired leases, then adds the connection if the key is under its limit; atomic.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

const slotKey = (apiKeyId: string) => `fleet:ws-connections:${apiKeyId}`;

export function redisConnectionSlots(
  redis: Redis,
  limit: number,
  leaseMs = 60_000,
  now: () => number = Date.now,
): ConnectionSlots {
  const held = new Map<string, Set<string>>();
  const renew = setInterval(
    () => {
      const leaseEnd = now() + leaseMs;
      for (const [apiKeyId, connections] of held) {
        for (const connectionId of connections)
          void redis.zadd(slotKey(apiKeyId), 'XX', leaseEnd, connectionId).catch(() => {});
        void redis.pexpire(slotKey(apiKeyId), leaseMs).catch(() => {});
      }
    },
    Math.max(1000, Math.floor(leaseMs / 3)),
  );
  renew.unref();
  return {
    async acquire(apiKeyId, connectionId) {
      const at = now();
      const granted = await redis.eval(ACQUIRE, 1, slotKey(apiKeyId), at, limit, at + leaseMs, connectionId, leaseMs);
      if (granted !== 1) return false;
      const connections = held.get(apiKeyId) ?? new Set<string>();
      connections.add(connectionId);
      held.set(apiKeyId, connections);
      return true;
    },
    async release(apiKeyId, connectionId) {
      const connections = held.get(apiKeyId);
      connections?.delete(connectionId);
      if (connections?.size === 0) held.delete(apiKeyId);
      await redis.zrem(slotKey(apiKeyId), connectionId).catch(() => {});
    },
    async close() {
      clearInterval(renew);
      await Promise.all(
        [...held].flatMap(([apiKeyId, connections]) =>
          [...connections].map((connectionId) => redis.zrem(slotKey(apiKeyId), connectionId).catch(() => 0)),
        ),
      );
      held.clear();
    },
  };
}

/** The connection slots of a server: shared through Redis when `redisUrl` is given. */
export async function openConnectionSlots(settings: { redisUrl?: string; perKey: number }): Promise<ConnectionSlots> {
  if (!settings.redisUrl) return localConnectionSlots(settings.perKey);
  const redis = await connectLimitsRedis(settings.redisUrl);
  const slots = redisConnectionSlots(redis, settings.perKey);
  return {
    ...slots,
    async close() {
      await slots.close();
      await redis.quit().catch(() => {});
    },
  };
}
