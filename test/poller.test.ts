// The poller against the Odoo.sh simulator: a health change reaches a graphql-ws
// subscriber within one poll interval; unchanged values publish nothing; a failing or
// hanging provider backs off without delaying the others; old samples are pruned.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cronJob } from '../src/jobs/cron-job.js';
import { createPoller, type Poller } from '../src/jobs/poller.js';
import { createLogger } from '../src/logger.js';
import type { InstanceProvider } from '../src/providers/provider.js';
import { createProviderRegistry, type ProviderRegistry } from '../src/providers/registry.js';
import { createFleetPubSub } from '../src/pubsub.js';
import {
  CheckInstanceHealthDocument,
  FleetEventsDocument,
  FleetLogEventsDocument,
  type FleetLogEventsSubscription,
  InstanceHealthDocument,
  InstanceMetricsDocument,
  InstanceObservabilityDocument,
  PollerStatusDocument,
} from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { hashApiToken } from '../src/services/auth/authenticate.js';
import { seedApiKey, seedCompany, seedRunningInstance, type SeededCompany } from './support/seed.js';
import { execute, PLATFORM_TOKEN, startTestServer, testKeyRing, wsClient, type TestServer } from './support/server.js';

let db: TestDatabase;
let sim: SimulatorHarness;
let server: TestServer;
let company: SeededCompany;
let providers: ProviderRegistry;
const pubsub = createFleetPubSub();
const logger = createLogger('silent');

function poller(overrides: Partial<Parameters<typeof createPoller>[0]> = {}): Poller {
  return createPoller({
    prisma: db.prisma,
    pubsub,
    providers,
    logger,
    intervalMs: 1000,
    concurrency: 8,
    timeoutMs: 2000,
    retentionDays: 7,
    ...overrides,
  });
}

/** An instance running at the simulator and recorded in the fleet. */
async function instance(name: string) {
  const row = await seedRunningInstance(db.prisma, sim.client().provider, company.id, name);
  sim.advance(1000);
  return { ...row, globalId: encodeGlobalID('OdooInstance', row.id) };
}

async function setHealth(providerId: string, status: string, checks: Record<string, string> = {}) {
  const response = await fetch(`${sim.baseUrl.replace(/\/api\/v1$/, '')}/_simulator/instances/${providerId}/health`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status, checks }),
  });
  expect(response.ok).toBe(true);
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Samples carry the simulator's time: it starts now, so retention keeps them.
  sim = await startSimulator({}, Date.now());
  providers = createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: sim.baseUrl,
    odooShDefaultToken: 'account-token',
    timeoutMs: 2000,
  });
  company = await seedCompany(db.prisma, 'watchers');
  server = await startTestServer(db.prisma, { providers, pubsub, poller: poller() });
});
afterAll(async () => {
  await server?.stop();
  await sim?.close();
  await db?.drop();
});

describe('live health', () => {
  it('reaches a graphql-ws subscriber within one poll interval, and only when it changes', async () => {
    const shop = await instance('live-shop');
    const polling = cronJob('poller', '* * * * * *', async () => void (await poller().tick()), logger); // every second; interval 1 s
    const health: string[] = [];
    const receivedAt: number[] = [];
    const fleet: Array<{ kind: string; status: string; subjectId: string }> = [];
    const client = wsClient(server.wsUrl, company.token, true);
    client.subscribe(
      { query: print(InstanceHealthDocument), variables: { instanceId: shop.globalId } },
      {
        next: (value) => {
          health.push((value.data as { instanceHealth: { status: string } }).instanceHealth.status);
          receivedAt.push(Date.now());
        },
        error: (error) => health.push(`error ${JSON.stringify(error)}`),
        complete: () => {},
      },
    );
    client.subscribe(
      { query: print(FleetEventsDocument) },
      {
        next: (value) => fleet.push((value.data as { fleetEvents: (typeof fleet)[number] }).fleetEvents),
        error: () => {},
        complete: () => {},
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    polling.start();
    try {
      await expect.poll(() => health, { timeout: 5000 }).toEqual(['HEALTHY']);
      // Unchanged over several ticks: nothing more is published.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(health).toEqual(['HEALTHY']);
      // ... and nothing more is stored until a change (or the 10-minute heartbeat).
      expect(await db.prisma.healthSample.count({ where: { instanceId: shop.id } })).toBe(1);

      await setHealth(shop.providerId, 'degraded', { workers: 'fail' });
      const changedAt = Date.now();
      await expect.poll(() => health, { timeout: 10_000, interval: 20 }).toEqual(['HEALTHY', 'DEGRADED']);
      // Within one poll interval: the first poll after the change is the one that reported
      // it (counted in polls, not milliseconds, which a loaded machine would stretch).
      const pollsBeforeEvent = sim.simulator.healthCalls.filter(
        (call) => call.instanceId === shop.providerId && call.at > changedAt && call.at <= receivedAt[1]!,
      );
      expect(pollsBeforeEvent.length).toBeLessThanOrEqual(1);
      await setHealth(shop.providerId, 'healthy');
      await expect.poll(() => health, { timeout: 5000, interval: 20 }).toEqual(['HEALTHY', 'DEGRADED', 'HEALTHY']);
      expect(
        (await db.prisma.healthSample.findMany({ where: { instanceId: shop.id }, orderBy: { checkedAt: 'asc' } })).map(
          (sample) => sample.status,
        ),
      ).toEqual(['HEALTHY', 'DEGRADED', 'HEALTHY']);
      const transitions = fleet
        .filter((event) => event.kind === 'HEALTH')
        .map((event) => [event.subjectId, event.status]);
      expect(transitions).toEqual([
        [shop.globalId, 'HEALTHY'],
        [shop.globalId, 'DEGRADED'],
        [shop.globalId, 'HEALTHY'],
      ]);
    } finally {
      await polling.stop();
      await client.dispose();
    }
  });

  it('streams metrics and stores new log lines once', async () => {
    const shop = await instance('metered-shop');
    const metrics: string[] = [];
    const client = wsClient(server.wsUrl, company.token, true);
    client.subscribe(
      { query: print(InstanceMetricsDocument), variables: { instanceId: shop.globalId } },
      {
        next: (value) =>
          metrics.push((value.data as { instanceMetrics: { sampledAt: string } }).instanceMetrics.sampledAt),
        error: () => {},
        complete: () => {},
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The simulator's clock is the time of this poller: metric windows are asked in it.
    const work = poller({ now: () => new Date(sim.now()) });
    sim.advance(120_000);
    await db.prisma.instancePollState.updateMany({ data: { nextPollAt: new Date(0) } });
    await work.tick();
    await expect.poll(() => metrics.length).toBe(1);
    sim.advance(120_000);
    await fetch(`${sim.baseUrl.replace(/\/api\/v1$/, '')}/_simulator/instances/${shop.providerId}/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ level: 'error', logger: 'odoo.addons.sale', message: 'Payment provider timeout' }),
    });
    await db.prisma.instancePollState.updateMany({ data: { nextPollAt: new Date(0) } });
    await work.tick();
    await db.prisma.instancePollState.updateMany({ data: { nextPollAt: new Date(0) } });
    await work.tick();
    await expect.poll(() => metrics.length).toBe(2);
    expect(Date.parse(metrics[1]!)).toBeGreaterThan(Date.parse(metrics[0]!));
    const logs = (
      await execute(server.httpUrl, InstanceObservabilityDocument, {
        token: company.token,
        variables: { id: shop.globalId },
      })
    ).data!.instance!.logs.edges;
    expect(logs.filter((edge) => edge.node.message === 'Payment provider timeout')).toEqual([
      { node: { level: 'ERROR', message: 'Payment provider timeout' } },
    ]);
    await client.dispose();
  });
});

describe('LOG fleet events', () => {
  async function logLine(providerId: string, level: string, message: string) {
    const response = await fetch(`${sim.baseUrl.replace(/\/api\/v1$/, '')}/_simulator/instances/${providerId}/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ level, logger: 'odoo.addons.stock', message }),
    });
    expect(response.ok).toBe(true);
  }

  it('reach fleetEvents subscribers for ERROR lines only, once, and a key limited to instances sees only theirs', async () => {
    const watched = await instance('logging-shop');
    const other = await instance('other-logging-shop');
    const limitedToken = await seedApiKey(db.prisma, company.id, 'VIEWER');
    await db.prisma.apiKey.update({
      where: { tokenHash: hashApiToken(limitedToken) },
      data: { instanceIds: [watched.id] },
    });
    const outsider = await seedCompany(db.prisma, 'log-outsider');

    const subscribe = (token: string) => {
      const events: NonNullable<FleetLogEventsSubscription['fleetEvents']>[] = [];
      const client = wsClient(server.wsUrl, token, true);
      client.subscribe(
        { query: print(FleetLogEventsDocument) },
        {
          next: (value) => {
            const event = (value.data as FleetLogEventsSubscription).fleetEvents;
            if (event.kind === 'LOG') events.push(event);
          },
          error: () => {},
          complete: () => {},
        },
      );
      return { events, client };
    };
    const all = subscribe(company.token);
    const limited = subscribe(limitedToken);
    const foreign = subscribe(outsider.token);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const work = poller({ now: () => new Date(sim.now()) });
    sim.advance(60_000);
    await db.prisma.instancePollState.updateMany({ data: { nextPollAt: new Date(0) } });
    await work.tick(); // reads what the instances logged so far
    sim.advance(1000);
    await logLine(watched.providerId, 'info', 'Inventory valuation done');
    await logLine(watched.providerId, 'error', 'Stock move could not be reserved');
    await logLine(other.providerId, 'error', 'Mail server refused the connection');
    await logLine(other.providerId, 'warning', 'Slow query');
    sim.advance(1000);
    await db.prisma.instancePollState.updateMany({ data: { nextPollAt: new Date(0) } });
    await work.tick();
    await db.prisma.instancePollState.updateMany({ data: { nextPollAt: new Date(0) } });
    await work.tick(); // nothing new: no second event for the same lines

    const line = (shop: typeof watched, message: string) => ({
      kind: 'LOG',
      subjectId: shop.globalId,
      status: 'ERROR',
      occurredAt: expect.any(String),
      log: { logger: 'odoo.addons.stock', message },
    });
    await expect.poll(() => all.events.length).toBe(2);
    await expect.poll(() => limited.events.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(all.events).toEqual(
      expect.arrayContaining([
        line(watched, 'Stock move could not be reserved'),
        line(other, 'Mail server refused the connection'),
      ]),
    );
    expect(all.events).toHaveLength(2);
    expect(limited.events).toEqual([line(watched, 'Stock move could not be reserved')]);
    expect(foreign.events).toEqual([]);
    await Promise.all([all.client.dispose(), limited.client.dispose(), foreign.client.dispose()]);
  });
});

describe('failing providers', () => {
  it('back off, and a hanging instance does not delay the others', async () => {
    const healthy = await instance('steady-shop');
    const gone = await db.prisma.odooInstance.create({
      data: {
        companyId: company.id,
        name: 'vanished',
        database: 'vanished',
        version: '17.0',
        status: 'RUNNING',
        instanceId: 'inst_unknown000',
      },
    });
    const stuck = await db.prisma.odooInstance.create({
      data: {
        companyId: company.id,
        name: 'stuck',
        database: 'stuck',
        version: '17.0',
        status: 'RUNNING',
        instanceId: 'inst_stuck00000',
      },
    });
    const hanging: Partial<InstanceProvider> = { getHealth: () => new Promise(() => {}) };
    const registry: ProviderRegistry = {
      ...providers,
      providerFor: (row) => (row.id === stuck.id ? (hanging as InstanceProvider) : providers.providerFor(row)),
    };
    await db.prisma.instancePollState.deleteMany();
    await db.prisma.odooInstance.updateMany({
      where: { id: { notIn: [healthy.id, gone.id, stuck.id] } },
      data: { status: 'DELETED' },
    });

    const started = Date.now();
    const report = await poller({ providers: registry, timeoutMs: 300, intervalMs: 10_000 }).tick();
    expect(Date.now() - started).toBeLessThan(10_000); // the hanging call is cut off, not waited for
    expect(report).toMatchObject({ instancesPolled: 3, failures: 2 });
    const states = new Map((await db.prisma.instancePollState.findMany()).map((state) => [state.instanceId, state]));
    expect(states.get(healthy.id)).toMatchObject({
      consecutiveFailures: 0,
      lastHealthStatus: 'HEALTHY',
      lastError: null,
    });
    expect(states.get(stuck.id)).toMatchObject({
      consecutiveFailures: 1,
      lastError: expect.stringMatching(/longer than 300 ms/),
    });
    expect(states.get(gone.id)).toMatchObject({ consecutiveFailures: 1, lastError: expect.any(String) });
    // Failing instances come back later than healthy ones: twice the interval, then more.
    const delay = (id: string) => states.get(id)!.nextPollAt.getTime() - states.get(id)!.lastPolledAt!.getTime();
    expect(delay(healthy.id)).toBeLessThanOrEqual(10_500); // one interval, moved at most a twentieth towards its slot
    expect(delay(gone.id)).toBeGreaterThan(18_000);

    const status = await execute(server.httpUrl, PollerStatusDocument, { token: PLATFORM_TOKEN, variables: {} });
    expect(status.data?.pollerStatus).toMatchObject({
      instancesFailing: 2,
      replicas: expect.arrayContaining([expect.objectContaining({ instancesPolled: 3, failures: 2 })]),
    });
    expect(
      (await execute(server.httpUrl, PollerStatusDocument, { token: company.token, variables: {} })).errors?.[0]
        ?.extensions?.code,
    ).toBe('FORBIDDEN');
  });

  it('pollerStatus lists only replicas whose heartbeat is within 3 intervals', async () => {
    // The server's poller polls every second: a replica silent for 3 s is gone.
    const tick = (owner: string, agoMs: number) => ({
      owner,
      startedAt: new Date(Date.now() - agoMs),
      durationMs: 5,
      instancesPolled: 1,
      failures: 0,
    });
    await db.prisma.pollerTick.createMany({
      data: [
        tick('replica-alive', 500),
        tick('replica-crashed', 60_000),
        tick('replica-crashed', 4000),
        tick('replica-alive', 4000),
      ],
    });
    const owners = async () =>
      (
        await execute(server.httpUrl, PollerStatusDocument, { token: PLATFORM_TOKEN, variables: {} })
      ).data!.pollerStatus.replicas.map((replica) => replica.owner);
    expect(await owners()).toContain('replica-alive');
    expect(await owners()).not.toContain('replica-crashed');
    const alive = (
      await execute(server.httpUrl, PollerStatusDocument, { token: PLATFORM_TOKEN, variables: {} })
    ).data!.pollerStatus.replicas.find((replica) => replica.owner === 'replica-alive');
    expect(Date.now() - Date.parse(String(alive!.lastTickAt))).toBeLessThan(3000); // its latest tick
  });

  it('checks one instance on request', async () => {
    const shop = await instance('checked-shop');
    await setHealth(shop.providerId, 'down', { http: 'fail' });
    const result = await execute(server.httpUrl, CheckInstanceHealthDocument, {
      token: company.token,
      variables: { input: { instanceId: shop.globalId } },
    });
    expect(result.data?.checkInstanceHealth).toMatchObject({ instance: { health: { status: 'DOWN' } } });
  });
});

describe('retention', () => {
  it('prunes samples older than the window', async () => {
    const shop = await instance('old-shop');
    const old = new Date(Date.now() - 8 * 86_400_000);
    await db.prisma.healthSample.create({ data: { instanceId: shop.id, status: 'HEALTHY', checkedAt: old } });
    await db.prisma.logEntry.create({
      data: { instanceId: shop.id, timestamp: old, level: 'INFO', logger: 'odoo', message: 'ancient' },
    });
    const report = await poller().tick();
    expect(report.prunedSamples).toBeGreaterThanOrEqual(2);
    expect(
      await db.prisma.healthSample.count({ where: { checkedAt: { lt: new Date(Date.now() - 7 * 86_400_000) } } }),
    ).toBe(0);
    expect(await db.prisma.logEntry.count({ where: { message: 'ancient' } })).toBe(0);
  });
});
