// Live logs over graphql-ws: the lines after a cursor (or the latest), then each new line
// the poller stores, filtered by a minimum level.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoller } from '../src/jobs/poller.js';
import { createLogger } from '../src/logger.js';
import { createProviderRegistry, type ProviderRegistry } from '../src/providers/registry.js';
import { createFleetPubSub } from '../src/pubsub.js';
import { InstanceLogsDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { startTestServer, testKeyRing, wsClient, type TestServer } from './support/server.js';

let db: TestDatabase;
let sim: SimulatorHarness;
let server: TestServer;
let company: SeededCompany;
let providers: ProviderRegistry;
const pubsub = createFleetPubSub();

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startSimulator({}, Date.now());
  company = await seedCompany(db.prisma, 'logged');
  providers = createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: sim.baseUrl,
    odooShDefaultToken: 'account-token',
    timeoutMs: 2000,
  });
  server = await startTestServer(db.prisma, {
    providers,
    pubsub,
    poller: createPoller({
      prisma: db.prisma,
      pubsub,
      providers,
      logger: createLogger('silent'),
      intervalMs: 1000,
      concurrency: 4,
      timeoutMs: 2000,
      retentionDays: 7,
    }),
  });
});
afterAll(async () => {
  await server?.stop();
  await sim?.close();
  await db?.drop();
});

type Line = { id: string; level: string; message: string };

function follow(variables: { instanceId: string; level?: 'ERROR'; after?: string }) {
  const lines: Line[] = [];
  const client = wsClient(server.wsUrl, company.token, true);
  client.subscribe(
    { query: print(InstanceLogsDocument), variables },
    {
      next: (value) => lines.push((value.data as { instanceLogs: Line }).instanceLogs),
      error: (error) => lines.push({ id: '', level: 'error', message: JSON.stringify(error) }),
      complete: () => {},
    },
  );
  return { lines, close: () => client.dispose() };
}

describe('instanceLogs', () => {
  it('sends history from a cursor, then new lines as they are stored, from a minimum level', async () => {
    const { provider } = sim.client();
    const created = await provider.createInstance({
      name: 'chatty',
      database: 'chatty',
      version: '17.0',
      subscriptionTier: 'starter',
    });
    sim.advance(1000);
    const row = await db.prisma.odooInstance.create({
      data: {
        companyId: company.id,
        name: 'chatty',
        database: 'chatty',
        version: '17.0',
        status: 'RUNNING',
        instanceId: created.id,
      },
    });
    const instanceId = encodeGlobalID('OdooInstance', row.id);
    const base = Date.now() - 60_000;
    await db.prisma.logEntry.createMany({
      data: [
        { instanceId: row.id, timestamp: new Date(base), level: 'INFO', logger: 'odoo', message: 'started' },
        {
          instanceId: row.id,
          timestamp: new Date(base + 1000),
          level: 'ERROR',
          logger: 'odoo',
          message: 'first error',
        },
        {
          instanceId: row.id,
          timestamp: new Date(base + 2000),
          level: 'CRITICAL',
          logger: 'odoo',
          message: 'second error',
        },
      ],
    });

    const errors = follow({ instanceId, level: 'ERROR' });
    await expect.poll(() => errors.lines.map((line) => line.message)).toEqual(['first error', 'second error']);
    // Resuming after the first line gives what came after it, all levels.
    const resumed = follow({ instanceId, after: errors.lines[0]!.id });
    await expect.poll(() => resumed.lines.map((line) => line.message)).toEqual(['second error']);

    // New lines reach both once the poller stores them.
    for (const [level, message] of [
      ['info', 'request served'],
      ['error', 'payment failed'],
    ]) {
      instanceLine(created.id, level!, message!);
      sim.advance(10); // lines of one instant come in id order; these are apart
    }
    // The simulator's clock is the poller's: log windows are asked in it.
    await createPoller({
      prisma: db.prisma,
      pubsub,
      providers,
      logger: createLogger('silent'),
      intervalMs: 1000,
      concurrency: 4,
      timeoutMs: 2000,
      retentionDays: 7,
      now: () => new Date(sim.now()),
    }).pollNow(row.id);
    await expect
      .poll(() => errors.lines.map((line) => line.message))
      .toEqual(['first error', 'second error', 'payment failed']);
    await expect
      .poll(() => resumed.lines.map((line) => line.message))
      .toEqual(['second error', 'request served', 'payment failed']);
    await errors.close();
    await resumed.close();

    // A cursor that is no line of this instance is a clear input error.
    const lost = follow({ instanceId, after: 'not-a-line' });
    await expect
      .poll(() => lost.lines.map((line) => line.message).join())
      .toMatch(/after: must be the id of a log line/);
    await lost.close();
  });
});

function instanceLine(providerId: string, level: string, message: string) {
  sim.simulator.instances.get(providerId)!.logs.push({ timestamp: sim.now(), level, logger: 'odoo.http', message });
}
