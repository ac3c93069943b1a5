// Request budgets for everyone: every GraphQL answer carries the IETF RateLimit fields;
// beyond the budget, 429 with Retry-After; two real server processes with Redis spend
// from one budget; an API key may hold only so many graphql-ws connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestLimits, memoryCounterStore, rateLimitHeaders } from '../src/services/rate-limit/rate-limiter.js';
import { WS_CLOSE_TOO_MANY } from '../src/app.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { startTestServer, TEST_KEY_SPEC, wsClient, type TestServer } from './support/server.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { Redis } from 'ioredis';
import { redisConnectionSlots } from '../src/services/rate-limit/connection-slots.js';

let db: TestDatabase;
let company: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'limited');
});
afterAll(async () => {
  await db?.drop();
});

const query = JSON.stringify({ query: '{ __typename }' });
function post(url: string, token?: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: query,
  });
}

/** Waits out the end of the current minute when it is near, so one test's requests share a window. */
async function awayFromWindowEdge(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}

describe('headers', () => {
  it('follow the draft: one entry per policy, remaining and reset in each', () => {
    const headers = rateLimitHeaders([
      { policy: { name: 'key', quota: 10, windowSeconds: 60 }, remaining: 0, resetSeconds: 12, exceeded: true },
      { policy: { name: 'address', quota: 100, windowSeconds: 60 }, remaining: 88, resetSeconds: 12, exceeded: false },
    ]);
    expect(headers).toEqual({
      'RateLimit-Policy': '"key";q=10;w=60, "address";q=100;w=60',
      RateLimit: '"key";r=0;t=12, "address";r=88;t=12',
      'Retry-After': '12',
    });
  });
});

describe('one server', () => {
  let server: TestServer;
  beforeAll(async () => {
    const limits = createRequestLimits(memoryCounterStore(), {
      perKey: { name: 'key', quota: 5, windowSeconds: 60 },
      perAddress: { name: 'address', quota: 1000, windowSeconds: 60 },
    });
    server = await startTestServer(db.prisma, { requestLimits: limits, subscriptionsPerKey: 2 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('puts RateLimit fields on every answer and refuses beyond the budget with 429 and Retry-After', async () => {
    await awayFromWindowEdge();
    const anonymous = await post(server.httpUrl);
    expect(anonymous.headers.get('ratelimit-policy')).toBe('"address";q=1000;w=60');
    expect(anonymous.headers.get('ratelimit')).toMatch(/^"address";r=\d+;t=\d+$/);
    const refusedKey = await post(server.httpUrl, 'ofk_not-a-real-key');
    expect(refusedKey.headers.get('ratelimit')).toMatch(/"key";r=4;t=\d+/);

    const answers = [];
    for (let call = 0; call < 6; call += 1) answers.push(await post(server.httpUrl, company.token));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers.map((answer) => /"key";r=(\d+)/.exec(answer.headers.get('ratelimit') ?? '')?.[1])).toEqual([
      '4',
      '3',
      '2',
      '1',
      '0',
      '0',
    ]);
    const refused = answers[5]!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] });
    expect((await post(server.httpUrl)).status).toBe(200); // others keep their own budget
  });

  it('lets an API key hold only so many graphql-ws connections', async () => {
    const [other] = [await seedCompany(db.prisma, 'many-sockets')];
    const closes: number[] = [];
    const clients = Array.from({ length: 3 }, () => {
      const client = wsClient(server.wsUrl, other!.token, true);
      client.on('closed', (event) => closes.push((event as { code: number }).code));
      return client;
    });
    await expect.poll(() => closes, { timeout: 10_000 }).toEqual([WS_CLOSE_TOO_MANY]);
    await Promise.all(clients.map((client) => client.dispose()));
  });
});

describe('two server processes with Redis', () => {
  let redis: TestRedis;
  let replicas: ServerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      ENCRYPTION_KEYS: TEST_KEY_SPEC,
      POLLER_ENABLED: 'false',
      WORKER_ENABLED: 'false',
      RATE_LIMIT_PER_KEY_PER_MINUTE: '10',
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '100000',
      SUBSCRIPTIONS_PER_KEY: '2',
      BACKUP_STORAGE_DIR: '/tmp/fleet-rate-limit-backups',
    };
    replicas = await Promise.all([
      startServerProcess({ ...env, REPLICA_NAME: 'limits-a' }),
      startServerProcess({ ...env, REPLICA_NAME: 'limits-b' }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await redis?.stop();
  });

  it('spend from one budget', async () => {
    await awayFromWindowEdge();
    const statuses: number[] = [];
    for (let call = 0; call < 12; call += 1) {
      const replica = replicas[call % 2]!;
      const answer = await post(`http://127.0.0.1:${replica.port}/graphql`, company.token);
      expect(answer.headers.get('ratelimit')).toMatch(/"key";r=\d+;t=\d+/);
      statuses.push(answer.status);
    }
    // Ten in all, whichever replica answered; per process it would have been twenty.
    expect(statuses).toEqual([...Array<number>(10).fill(200), 429, 429]);
  });

  it('forget the connections of a replica that died without closing them once their lease ends', async () => {
    const client = new Redis(redis.url);
    let clock = Date.now();
    const dead = redisConnectionSlots(client, 1, 60_000, () => clock);
    const alive = redisConnectionSlots(client, 1, 60_000, () => clock);
    expect(await dead.acquire('key-of-dead-replica', 'a')).toBe(true);
    expect(await alive.acquire('key-of-dead-replica', 'b')).toBe(false);
    clock += 61_000; // the dead replica renewed nothing
    expect(await alive.acquire('key-of-dead-replica', 'b')).toBe(true);
    await alive.close();
    await client.quit();
  });

  it("count an API key's graphql-ws connections once for both", async () => {
    const holder = await seedCompany(db.prisma, 'sockets-everywhere');
    const wsUrl = (replica: ServerProcess) => `ws://127.0.0.1:${replica.port}/graphql`;
    const open = (replica: ServerProcess) => {
      const state = { connected: false, closedWith: null as number | null };
      const client = wsClient(wsUrl(replica), holder.token, true);
      client.on('connected', () => (state.connected = true));
      client.on('closed', (event) => (state.closedWith ??= (event as { code: number }).code));
      return { client, state };
    };
    // Two on replica A: the key's limit (2) is reached for both replicas.
    const first = open(replicas[0]!);
    await expect.poll(() => first.state.connected, { timeout: 10_000 }).toBe(true);
    const second = open(replicas[0]!);
    await expect.poll(() => second.state.connected, { timeout: 10_000 }).toBe(true);
    const third = open(replicas[1]!);
    await expect.poll(() => third.state.closedWith, { timeout: 10_000 }).toBe(WS_CLOSE_TOO_MANY);
    await third.client.dispose();
    // One closes on A: its slot is free on B.
    await first.client.dispose();
    await expect
      .poll(
        async () => {
          const retry = open(replicas[1]!);
          const accepted = await new Promise<boolean>((resolve) => {
            retry.client.on('connected', () => resolve(true));
            retry.client.on('closed', () => resolve(false));
          });
          await retry.client.dispose();
          return accepted;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(true);
    await second.client.dispose();
  });
});
