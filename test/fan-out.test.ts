// Fan-out that never holds up a request: publishing only queues an event, subscribers get
// it in slices on later turns of the event loop; a WebSocket connection looks its key up
// once; revocations go through one map; a storm of first uses writes lastUsedAt once.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetPubSub, type FleetEventPayload } from '../src/pubsub.js';
import { createFanOutEventTarget } from '../src/pubsub-fan-out.js';
import type { SqlReader } from '../src/db/sql-reader.js';
import { authenticate, hashApiToken, lastUseRecorder } from '../src/services/auth/authenticate.js';
import { createRevocationWatch } from '../src/services/auth/revocation-watch.js';
import { CreateInstanceDocument, ViewerDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedApiKey, seedCompany, type SeededCompany } from './support/seed.js';
import { execute, executeOverWs, startTestServer, wsClient, type TestServer } from './support/server.js';

const event = (type: string, detail: unknown) => new CustomEvent(type, { detail });

describe('the fan-out event target', () => {
  it('returns from dispatch before any listener runs, then serves listeners in slices, in publish order', async () => {
    const target = createFanOutEventTarget({ sliceSize: 100 });
    const received: Array<[number, string]> = [];
    for (let index = 0; index < 250; index += 1) {
      target.addEventListener('topic', (published) =>
        received.push([index, (published as CustomEvent<string>).detail]),
      );
    }
    target.dispatchEvent(event('topic', 'first'));
    target.dispatchEvent(event('topic', 'second'));
    expect(received).toHaveLength(0);
    await nextTurn();
    expect(received).toHaveLength(100);
    await nextTurn();
    expect(received).toHaveLength(200);
    for (let turn = 0; turn < 5; turn += 1) await nextTurn();
    expect(received).toHaveLength(500);
    // every listener saw "first" before "second"
    const seen = new Map<number, string[]>();
    for (const [listener, detail] of received) seen.set(listener, [...(seen.get(listener) ?? []), detail]);
    expect([...seen.values()].every((details) => details.join() === 'first,second')).toBe(true);
  });

  it('skips a listener removed before its turn and keeps serving the others when one throws', async () => {
    const errors: unknown[] = [];
    const target = createFanOutEventTarget({ sliceSize: 1, onListenerError: (error) => errors.push(error) });
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    target.addEventListener('topic', () => {
      throw new Error('listener failed');
    });
    target.addEventListener('topic', removed);
    target.addEventListener('topic', () => calls.push('kept'));
    target.dispatchEvent(event('topic', null));
    target.removeEventListener('topic', removed);
    for (let turn = 0; turn < 4; turn += 1) await nextTurn();
    expect(calls).toEqual(['kept']);
    expect(errors).toHaveLength(1);
  });

  it('adds the 10,000th listener of a topic without walking the others', () => {
    // Node's EventTarget warns past 10 listeners and scans its list on every add; a Set does neither.
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const target = createFanOutEventTarget();
    const listeners = Array.from({ length: 10_000 }, () => () => {});
    for (const listener of listeners) target.addEventListener('topic', listener);
    for (const listener of listeners) target.removeEventListener('topic', listener);
    process.off('warning', onWarning);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('the revocation watch', () => {
  it('ends exactly the streams of the revoked key, through one subscription', async () => {
    const pubsub = createFleetPubSub();
    const watch = createRevocationWatch(pubsub);
    const ended: string[] = [];
    const stops = ['a1', 'a2', 'b1'].map((name) =>
      watch.watch(name.startsWith('a') ? 'key-a' : 'key-b', () => ended.push(name)),
    );
    expect(watch.watchedKeys()).toBe(2);
    stops[2]!();
    expect(watch.watchedKeys()).toBe(1);
    pubsub.publish('apiKeyRevoked', { apiKeyId: 'key-a' });
    for (let turn = 0; turn < 3; turn += 1) await nextTurn();
    expect(ended.sort()).toEqual(['a1', 'a2']);
    expect(watch.watchedKeys()).toBe(0);
    await watch.close();
  });
});

describe('the server', () => {
  let db: TestDatabase;
  let server: TestServer;
  let company: SeededCompany;

  beforeAll(async () => {
    db = await createTestDatabase();
    company = await seedCompany(db.prisma, 'fan-out', 'ADMIN');
    server = await startTestServer(db.prisma);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  const keyLookups = () =>
    db.queries.filter((sql) => /FROM (?:"public"\.)?"ApiKey"/.test(sql) && /"tokenHash"/.test(sql)).length;
  const lastUsedWrites = () => db.queries.filter((sql) => /^UPDATE "public"\."ApiKey"/.test(sql)).length;

  it('looks the key of a WebSocket connection up once, however many operations it runs', async () => {
    const client = wsClient(server.wsUrl, company.token, true);
    try {
      db.queries.length = 0;
      // Each operation over the socket gets its context without a lookup of its own.
      for (let index = 0; index < 3; index += 1) {
        const result = await executeOverWs(client, ViewerDocument, {});
        expect(result.errors).toBeUndefined();
        expect(result.data?.viewer?.role).toBe('ADMIN');
      }
      expect(keyLookups()).toBe(1);
    } finally {
      await client.dispose();
    }
  });

  /** A reader whose key lookups are held until `storm` of them have read the key, as when 1,000 connections arrive at once. */
  function heldLookups(storm: number): SqlReader {
    const held: Array<() => void> = [];
    return {
      async rows<Row extends object>(text: string, values: readonly unknown[]): Promise<Row[]> {
        const rows = await db.sql.rows<Row>(text, values);
        if (/"ApiKey"/.test(text)) {
          await new Promise<void>((release) => {
            held.push(release);
            if (held.length === storm) held.forEach((each) => each());
          });
        }
        return rows;
      },
    };
  }

  /** Counts the rows UPDATE really changes in "ApiKey" (a statement whose WHERE fails changes none). */
  async function countKeyWrites(): Promise<() => Promise<number>> {
    await db.prisma.$executeRawUnsafe('CREATE TABLE IF NOT EXISTS "ApiKeyWrite" (id serial)');
    await db.prisma.$executeRawUnsafe(
      'CREATE OR REPLACE FUNCTION count_api_key_write() RETURNS trigger AS $$ BEGIN INSERT INTO "ApiKeyWrite" DEFAULT VALUES; RETURN NEW; END $$ LANGUAGE plpgsql',
    );
    await db.prisma.$executeRawUnsafe(
      'CREATE OR REPLACE TRIGGER api_key_write AFTER UPDATE ON "ApiKey" FOR EACH ROW EXECUTE FUNCTION count_api_key_write()',
    );
    await db.prisma.$executeRawUnsafe('TRUNCATE "ApiKeyWrite"');
    return async () =>
      Number(
        (await db.prisma.$queryRawUnsafe<Array<{ count: bigint }>>('SELECT count(*) FROM "ApiKeyWrite"'))[0]!.count,
      );
  }

  it('records the last use of a key once when a storm of requests finds it stale', async () => {
    const token = await seedApiKey(db.prisma, company.id, 'VIEWER');
    await db.prisma.apiKey.update({
      where: { tokenHash: hashApiToken(token) },
      data: { lastUsedAt: new Date(Date.now() - 3_600_000) },
    });
    const writes = await countKeyWrites();
    const sql = heldLookups(40);
    const lastUse = lastUseRecorder();
    db.queries.length = 0;
    const callers = await Promise.all(
      Array.from({ length: 40 }, () => authenticate({ prisma: db.prisma, sql, lastUse }, token)),
    );
    expect(callers.every((caller) => caller?.kind === 'apiKey')).toBe(true);
    await expect.poll(writes).toBe(1);
    expect(lastUsedWrites()).toBe(1); // one statement from this process
    const key = await db.prisma.apiKey.findUniqueOrThrow({ where: { tokenHash: hashApiToken(token) } });
    expect(Date.now() - key.lastUsedAt!.getTime()).toBeLessThan(60_000);
  });

  it('lets only the first of concurrent replicas change lastUsedAt', async () => {
    const token = await seedApiKey(db.prisma, company.id, 'VIEWER');
    await db.prisma.apiKey.update({
      where: { tokenHash: hashApiToken(token) },
      data: { lastUsedAt: new Date(Date.now() - 3_600_000) },
    });
    const writes = await countKeyWrites();
    // Three replicas (each with its own memory of recorded uses) all read the stale key.
    const sql = heldLookups(3);
    db.queries.length = 0;
    await Promise.all(
      [lastUseRecorder(), lastUseRecorder(), lastUseRecorder()].map((lastUse) =>
        authenticate({ prisma: db.prisma, sql, lastUse }, token),
      ),
    );
    await expect.poll(lastUsedWrites).toBe(3);
    // Each sent its UPDATE; the first changed the row, the others found it fresh.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await writes()).toBe(1);
  });

  it('answers a publishing mutation without waiting for its slow subscribers', async () => {
    // One subscriber per turn of the event loop, so the order of events is visible.
    const pubsub = createFleetPubSub({ sliceSize: 1 });
    const own = await startTestServer(db.prisma, { pubsub });
    let responseWritten = false;
    // Set when the server hands the whole response to the socket.
    own.app.httpServer.prependListener('request', (_req, res) => {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      res.end = ((...args: unknown[]) => {
        responseWritten = true;
        return end(...args);
      }) as typeof res.end;
    });
    // Slow subscribers: each holds the event loop for a while with every event it gets.
    const deliveries: boolean[] = [];
    const subscribers = Array.from({ length: 6 }, async () => {
      for await (const _event of pubsub.subscribe('fleetEvents', company.id) as AsyncIterable<FleetEventPayload>) {
        deliveries.push(responseWritten);
        const until = performance.now() + 100;
        while (performance.now() < until); // busy: nothing else runs meanwhile
        return;
      }
    });
    try {
      const created = await execute(own.httpUrl, CreateInstanceDocument, {
        token: company.token,
        variables: { input: { name: 'fan-out-1', version: '17.0' } },
      });
      expect(created.data?.createInstance.__typename).toBe('CreateInstanceSuccess');
      await Promise.all(subscribers);
      // Publishing answered first; the subscribers got the event around and after the response
      // (awaiting all of them first would show six times false).
      expect(deliveries).toHaveLength(6);
      expect(deliveries.at(-1)).toBe(true);
    } finally {
      await own.stop();
    }
  });
});
