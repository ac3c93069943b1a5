// Two real server processes sharing one PostgreSQL and one Redis, as replicas behind a
// load balancer: a subscriber on replica A receives events that replica B's poller
// produced; no instance is polled twice in one interval; and when B dies holding leases,
// A takes its instances over once the leases expire.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetEventsDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { seedCompany, seedRunningInstance, type SeededCompany } from './support/seed.js';
import { TEST_KEY_SPEC, wsClient } from './support/server.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const INSTANCES = 12;
const LEASE_MS = 3000;

let db: TestDatabase;
let redis: TestRedis;
let sim: SimulatorHarness;
let company: SeededCompany;
let replicaA: ServerProcess;
let replicaB: ServerProcess;
const instances: Array<{ id: string; globalId: string; providerId: string }> = [];

const control = (path: string, body: unknown) =>
  fetch(`${sim.baseUrl.replace(/\/api\/v1$/, '')}/_simulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

function replica(name: string, token: string) {
  return startServerProcess({
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REPLICA_NAME: name,
    ENCRYPTION_KEYS: TEST_KEY_SPEC,
    ODOO_SH_API_BASE_URL: sim.baseUrl,
    // Each replica calls the simulator with its own token, so the simulator tells who polled.
    ODOO_SH_API_TOKEN: token,
    POLL_CRON: '* * * * * *',
    POLL_INTERVAL_SECONDS: '1',
    POLL_LEASE_MS: String(LEASE_MS),
    POLL_BATCH_SIZE: '2',
    POLL_CONCURRENCY: '2',
    POLL_TIMEOUT_MS: '8000',
    BACKUP_STORAGE_DIR: '/tmp/fleet-scale-out-backups',
    BACKUP_POLICY_CRON: '0 0 1 1 *',
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startRedis();
  sim = await startSimulator({}, Date.now());
  company = await seedCompany(db.prisma, 'scaled');
  const { provider } = sim.client();
  for (let index = 0; index < INSTANCES; index += 1) {
    const name = `replicated-${index}`;
    const row = await seedRunningInstance(db.prisma, provider, company.id, name);
    instances.push({ id: row.id, globalId: encodeGlobalID('OdooInstance', row.id), providerId: row.providerId });
  }
  sim.advance(2000); // all running
  [replicaA, replicaB] = await Promise.all([replica('replica-a', 'token-a'), replica('replica-b', 'token-b')]);
}, 120_000);

afterAll(async () => {
  await replicaA?.stop();
  await replicaB?.stop('SIGKILL');
  await sim?.close();
  await redis?.stop();
  await db?.drop();
});

describe('two replicas', () => {
  it("share the polling, fan events out through Redis, and take over a dead replica's instances", async () => {
    const events: Array<{ kind: string; subjectId: string; status: string }> = [];
    const client = wsClient(`ws://127.0.0.1:${replicaA.port}/graphql`, company.token, true);
    client.subscribe(
      { query: print(FleetEventsDocument) },
      {
        next: (value) => events.push((value.data as { fleetEvents: (typeof events)[number] }).fleetEvents),
        error: () => {},
        complete: () => {},
      },
    );

    // The replicas have been polling since they started: wait until every instance has
    // been seen healthy, and the subscription is open.
    await expect
      .poll(async () => db.prisma.instancePollState.count({ where: { lastHealthStatus: 'HEALTHY' } }), {
        timeout: 20_000,
      })
      .toBe(INSTANCES);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Slow provider calls keep both replicas' ticks busy at once, so both take instances.
    await control('/faults', { latencyMs: 150 });
    const producers: string[] = [];
    for (const [round, status] of (['degraded', 'down', 'degraded'] as const).entries()) {
      const flipStart = Date.now();
      await Promise.all(
        instances.map((instance) =>
          control(`/instances/${instance.providerId}/health`, { status, checks: { workers: 'fail' } }),
        ),
      );
      const flipDone = Date.now();
      await expect
        .poll(() => events.filter((event) => event.kind === 'HEALTH' && event.status === status.toUpperCase()).length, {
          timeout: 20_000,
        })
        .toBe(INSTANCES * (round === 2 ? 2 : 1));
      // Who saw each change: the calls from the flip to the first one surely after it.
      for (const instance of instances) {
        const own = sim.simulator.healthCalls.filter(
          (call) => call.instanceId === instance.providerId && call.at >= flipStart,
        );
        const decisive = own.findIndex((call) => call.at > flipDone);
        const tokens = new Set(own.slice(0, decisive + 1).map((call) => call.token));
        if (tokens.size === 1) producers.push([...tokens][0]!);
      }
      if (producers.includes('token-a') && producers.includes('token-b')) break;
    }
    await control('/faults', { latencyMs: 0 });
    expect(producers).toContain('token-b'); // B's poller produced events that A's subscriber received
    expect(producers).toContain('token-a');
    const calls = sim.simulator.healthCalls;

    // No instance polled twice within one interval, whichever replica polled it.
    for (const instance of instances) {
      const times = calls.filter((call) => call.instanceId === instance.providerId).map((call) => call.at);
      const gaps = times.slice(1).map((at, index) => at - times[index]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(800);
    }

    // B dies in the middle of its polls, holding leases.
    await control('/faults', { latencyMs: 2000 });
    await expect
      .poll(async () => db.prisma.instancePollState.count({ where: { leaseOwner: 'replica-b' } }), {
        timeout: 10_000,
        interval: 50,
      })
      .toBeGreaterThan(0);
    await replicaB.stop('SIGKILL');
    const killedAt = Date.now();
    const orphaned = await db.prisma.instancePollState.findMany({ where: { leaseOwner: 'replica-b' } });
    expect(orphaned.length).toBeGreaterThan(0);
    await control('/faults', { latencyMs: 0 });

    await expect
      .poll(
        async () =>
          (
            await db.prisma.instancePollState.findMany({
              where: { instanceId: { in: orphaned.map((state) => state.instanceId) } },
            })
          ).every((state) => state.lastPolledBy === 'replica-a' && state.lastPolledAt! > new Date(killedAt)),
        { timeout: 20_000, interval: 200 },
      )
      .toBe(true);
    for (const state of orphaned) {
      const providerId = instances.find((instance) => instance.id === state.instanceId)!.providerId;
      const takeover = sim.simulator.healthCalls.find(
        (call) => call.instanceId === providerId && call.at > killedAt && call.token === 'token-a',
      );
      // A waited for B's lease to run out before polling the instance again.
      expect(takeover!.at).toBeGreaterThanOrEqual(state.leaseExpiresAt!.getTime() - 100);
    }
    // Afterwards A alone polls everything.
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const recent = sim.simulator.healthCalls.filter((call) => call.at > since);
    expect(new Set(recent.map((call) => call.token))).toEqual(new Set(['token-a']));
    expect(new Set(recent.map((call) => call.instanceId)).size).toBe(INSTANCES);
    await client.dispose();
  }, 120_000);
});
