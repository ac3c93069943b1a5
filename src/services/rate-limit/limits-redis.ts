// The Redis client of the request budgets and connection slots: loaded only when REDIS_URL
// is set, connected before use, and quick to give up (a limit store that is down must not
// hold requests; callers let requests through when it fails).
import type { Redis } from 'ioredis';

export async function connectLimitsRedis(url: string): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  await redis.connect();
  return redis;
}
