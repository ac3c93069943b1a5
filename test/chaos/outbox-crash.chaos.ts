// The event outbox under kill -9: a real server process polls a fleet whose health keeps
// changing and delivers HEALTH webhooks to a real HTTP receiver; it is killed with
// SIGKILL at random moments and started again. Every status change the database recorded
// must have its event, and every event its delivery, received at least once: 0 lost.
// Repeats (the same delivery id twice) are allowed and counted: receivers dedupe by id.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startSimulator, type SimulatorHarness } from '../support/odoo-sh.js';
import { seedCompany, seedRunningInstance, type SeededCompany } from '../support/seed.js';
import { seededRandom } from '../../src/seeded-random.js';
import { TEST_KEY_SPEC, testKeyRing } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createWebhookEndpoint } from '../../src/services/webhooks/webhooks.js';

const INSTANCES = 10;
const KILLS = Number(process.env.CHAOS_KILLS ?? 8);

let db: TestDatabase;
let sim: SimulatorHarness;
let company: SeededCompany;
let receiver: Server;
let server: ServerProcess | undefined;
const received: Array<{ id: string; eventId?: string; subjectId: string; status: string }> = [];

function start() {
  return startServerProcess({
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_KEY_SPEC,
    ODOO_SH_API_BASE_URL: sim.baseUrl,
    ODOO_SH_API_TOKEN: 'outbox-token',
    POLL_CRON: '* * * * * *',
    POLL_INTERVAL_SECONDS: '1',
    POLL_LEASE_MS: '2000',
    POLL_TIMEOUT_MS: '2000',
    POLL_TICK_BUDGET_MS: '900',
    WEBHOOK_CRON: '* * * * * *',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    BACKUP_STORAGE_DIR: '/tmp/fleet-outbox-crash-backups',
    BACKUP_POLICY_CRON: '0 0 1 1 *',
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startSimulator({}, Date.now());
  company = await seedCompany(db.prisma, 'outboxed');
  receiver = createServer((req, res) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (body += chunk))
      .on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.writeHead(204).end();
      });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  await createWebhookEndpoint(
    { prisma: db.prisma, keyRing: testKeyRing, policy: { allowPrivateNetworks: true } },
    { companyId: company.id, url: `http://127.0.0.1:${port}/hook`, eventTypes: ['HEALTH'] },
  );
  const { provider } = sim.client();
  for (let index = 0; index < INSTANCES; index += 1) {
    await seedRunningInstance(db.prisma, provider, company.id, `outboxed-${index}`);
  }
  sim.advance(2000);
}, 120_000);

afterAll(async () => {
  await server?.stop('SIGKILL');
  await new Promise((resolve) => receiver?.close(resolve));
  await sim?.close();
  await db?.drop();
});

describe('event outbox', () => {
  it('loses no event when the server is killed at random moments', async () => {
    const random = seededRandom(9);
    const statuses = ['healthy', 'degraded', 'down'];
    let flipping = true;
    // Health keeps changing while the server lives and dies.
    const flipper = (async () => {
      while (flipping) {
        for (const instance of sim.simulator.instances.values()) {
          if (random() < 0.3)
            instance.health = { status: statuses[Math.floor(random() * statuses.length)]!, checks: {} };
        }
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
    })();
    for (let kill = 0; kill < KILLS; kill += 1) {
      server = await start();
      await new Promise((resolve) => setTimeout(resolve, 1000 + random() * 3000));
      await server.stop('SIGKILL');
    }
    flipping = false;
    await flipper;
    // A last life without kills, long enough to relay and deliver what is left. Health
    // stopped changing before it began, so once it has polled every instance no new
    // event can appear; only then is "nothing left to relay" final.
    const lastLifeStarted = new Date();
    server = await start();
    await expect
      .poll(async () => db.prisma.instancePollState.count({ where: { lastPolledAt: { gt: lastLifeStarted } } }), {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(INSTANCES);
    await expect
      .poll(async () => db.prisma.fleetEventOutbox.count({ where: { relayedAt: null } }), {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(0);
    await expect
      .poll(async () => db.prisma.webhookDelivery.count({ where: { status: { not: 'SUCCEEDED' } } }), {
        timeout: 60_000,
        interval: 500,
      })
      .toBe(0);
    await server.stop();
    server = undefined;

    // Every recorded status change has its event: samples and events are written together.
    const samples = await db.prisma.healthSample.findMany({ orderBy: [{ instanceId: 'asc' }, { checkedAt: 'asc' }] });
    let changes = 0;
    const previous = new Map<string, string>();
    for (const sample of samples) {
      if (previous.get(sample.instanceId) !== sample.status) changes += 1;
      previous.set(sample.instanceId, sample.status);
    }
    const events = await db.prisma.fleetEventOutbox.findMany({ where: { kind: 'HEALTH' } });
    const deliveries = await db.prisma.webhookDelivery.findMany();
    const receivedIds = new Set(received.map((body) => body.id));
    const lost =
      deliveries.filter((delivery) => !receivedIds.has(delivery.id)).length +
      events.filter((event) => !deliveries.some((delivery) => delivery.eventId === event.id)).length;
    const repeated = received.length - receivedIds.size;
    const figures = {
      kills: KILLS,
      statusChanges: changes,
      events: events.length,
      deliveries: deliveries.length,
      received: received.length,
      repeatedDeliveries: repeated,
      lost,
    };
    process.stdout.write(`\nchaos: outbox under kill -9 ${JSON.stringify(figures)}\n`);

    expect(changes).toBeGreaterThan(INSTANCES); // health did change, beyond the first samples
    expect(events.length).toBe(changes);
    expect(deliveries.length).toBe(events.length);
    expect(lost).toBe(0);
  });
});
