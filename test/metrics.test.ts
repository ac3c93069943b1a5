// /metrics of a real server: after a query, a poll tick with one failing provider call
// and an open subscription, the series are there with the right labels, in a text
// format a strict Prometheus reader accepts; the token is required when configured.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { print, parse } from 'graphql';
import { createPoller } from '../src/jobs/poller.js';
import { createLogger } from '../src/logger.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { createFleetPubSub } from '../src/pubsub.js';
import { registerFleetGauges } from '../src/telemetry/fleet-gauges.js';
import { countingPubSub, instrumentProviders, observedPoller, ObservedBreakers } from '../src/telemetry/instrument.js';
import { createTelemetry, type Telemetry } from '../src/telemetry/telemetry.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { parsePrometheusText, sampleValue, type MetricFamily } from './support/prometheus-text.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { startTestServer, testKeyRing, wsClient, type TestServer } from './support/server.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123';
let db: TestDatabase;
let sim: SimulatorHarness;
let server: TestServer;
let company: SeededCompany;
let telemetry: Telemetry;
let tick: () => Promise<unknown>;

async function scrape(
  token: string | null = METRICS_TOKEN,
): Promise<{ status: number; type: string | null; families: Map<string, MetricFamily> | null }> {
  const response = await fetch(server.httpUrl.replace('/graphql', '/metrics'), {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    families: response.ok ? parsePrometheusText(text) : null,
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startSimulator({}, Date.now());
  company = await seedCompany(db.prisma, 'scraped');
  telemetry = createTelemetry();
  const breakers = new ObservedBreakers();
  const providers = instrumentProviders(
    createProviderRegistry({
      keyRing: testKeyRing,
      odooShBaseUrl: sim.baseUrl,
      odooShDefaultToken: 'account-token',
      timeoutMs: 2000,
      breakers,
    }),
    telemetry,
  );
  registerFleetGauges(telemetry.metrics, {
    prisma: db.prisma,
    poolStats: () => ({ total: 3, idle: 2, waiting: 0, max: 5 }),
    breakerStates: () => breakers.states(),
  });
  const pubsub = countingPubSub(createFleetPubSub(), telemetry);
  const poller = observedPoller(
    createPoller({
      prisma: db.prisma,
      pubsub,
      providers,
      logger: createLogger('silent'),
      intervalMs: 1000,
      concurrency: 4,
      timeoutMs: 2000,
      retentionDays: 7,
    }),
    telemetry,
  );
  tick = () => poller.tick();
  server = await startTestServer(db.prisma, { providers, pubsub, poller, telemetry, metricsToken: METRICS_TOKEN });

  // One instance the simulator knows, one it has never heard of (its calls fail with 404).
  const created = await sim
    .client()
    .provider.createInstance({ name: 'metered', database: 'metered', version: '17.0', subscriptionTier: 'starter' });
  sim.advance(1000);
  await db.prisma.odooInstance.createMany({
    data: [
      {
        companyId: company.id,
        name: 'metered',
        database: 'metered',
        version: '17.0',
        status: 'RUNNING',
        instanceId: created.id,
      },
      {
        companyId: company.id,
        name: 'vanished',
        database: 'vanished',
        version: '17.0',
        status: 'RUNNING',
        instanceId: 'no-such-instance',
      },
    ],
  });
});
afterAll(async () => {
  await server?.stop();
  await sim?.close();
  await db?.drop();
});

describe('/metrics', () => {
  it('refuses scrapers without the token', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('wrong-token-wrong-token')).status).toBe(401);
  });

  it('shows a query, a poll tick with a failing provider call, events and fleet gauges', async () => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${company.token}` },
      body: JSON.stringify({ query: 'query FleetOverview { instances(first: 5) { totalCount } }' }),
    });
    expect(((await response.json()) as { data: { instances: { totalCount: number } } }).data.instances.totalCount).toBe(
      2,
    );
    await tick();

    const { status, type, families } = await scrape();
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families!, name, labels);

    expect(
      value('fleet_graphql_operations_total', { operation: 'FleetOverview', type: 'query', outcome: 'success' }),
    ).toBe(1);
    expect(
      value('fleet_graphql_operation_duration_seconds_count', {
        operation: 'FleetOverview',
        type: 'query',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(value('fleet_graphql_operation_duration_seconds_bucket', { operation: 'FleetOverview', le: '+Inf' })).toBe(
      1,
    );

    expect(value('fleet_provider_calls_total', { provider: 'odoo_sh', route: 'getHealth', outcome: 'success' })).toBe(
      1,
    );
    expect(value('fleet_provider_calls_total', { provider: 'odoo_sh', route: 'getHealth', outcome: 'error' })).toBe(1);
    expect(
      value('fleet_provider_call_duration_seconds_count', {
        provider: 'odoo_sh',
        route: 'getHealth',
        outcome: 'error',
      }),
    ).toBe(1);
    expect(value('fleet_provider_circuit_breaker_state', { base_url: sim.baseUrl, state: 'closed' })).toBe(1);
    expect(value('fleet_provider_circuit_breaker_state', { base_url: sim.baseUrl, state: 'open' })).toBe(0);

    expect(value('fleet_poller_ticks_total')).toBe(1);
    expect(value('fleet_poller_tick_duration_seconds_count')).toBe(1);
    expect(value('fleet_poller_instances_polled_total', { outcome: 'success' })).toBe(1);
    expect(value('fleet_poller_instances_polled_total', { outcome: 'failure' })).toBe(1);
    expect(value('fleet_poller_backlog_instances')).toBe(0);
    // The healthy instance's first sample is a change: published to its subscribers and the fleet.
    expect(value('fleet_events_published_total', { topic: 'instanceHealth' })).toBe(1);
    expect(value('fleet_events_published_total', { topic: 'fleetEvents' })).toBe(1);

    expect(value('fleet_instances', { status: 'RUNNING' })).toBe(2);
    expect(value('fleet_webhook_deliveries', { status: 'FAILED' })).toBe(0);
    expect(value('fleet_db_pool_connections', { state: 'busy' })).toBe(1);
    expect(families!.get('fleet_provider_calls_total')?.type).toBe('counter');
    expect(families!.get('fleet_provider_call_duration_seconds')?.type).toBe('histogram');
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);

    // The Grafana dashboard in docs/ asks only for series this server serves.
    const dashboard = readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8');
    const served = new Set(
      [...families!.values()].flatMap((family) => [family.name, ...family.samples.map((sample) => sample.name)]),
    );
    const asked = new Set(dashboard.match(/\b(fleet|process)_[a-z_]+/g));
    expect([...asked].filter((name) => !served.has(name))).toEqual([]);
  });

  it('counts open subscriptions by transport, operations by kind and state, and delivered events', async () => {
    const instance = await db.prisma.odooInstance.findFirstOrThrow({ where: { name: 'metered' } });
    await db.prisma.operation.create({
      data: {
        companyId: company.id,
        instanceId: instance.id,
        kind: 'BACKUP',
        createdAt: new Date(Date.now() - 90_000),
        runAfter: new Date(Date.now() + 3_600_000),
      },
    });
    const client = wsClient(server.wsUrl, company.token, true);
    const received: unknown[] = [];
    const unsubscribe = client.subscribe(
      { query: print(parse('subscription Watch { fleetEvents { kind status } }')) },
      { next: (value) => received.push(value), error: () => {}, complete: () => {} },
    );
    await vi.waitFor(async () =>
      expect(sampleValue((await scrape()).families!, 'fleet_graphql_subscriptions_open', { transport: 'ws' })).toBe(1),
    );

    server.app.pubsub.publish('fleetEvents', company.id, {
      companyId: company.id,
      kind: 'BACKUP',
      subjectId: instance.id,
      status: 'PENDING',
      occurredAt: new Date().toISOString(),
    });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const { families } = await scrape();
    expect(sampleValue(families!, 'fleet_events_delivered_total', { topic: 'fleetEvents' })).toBe(1);
    expect(sampleValue(families!, 'fleet_operations_active', { kind: 'BACKUP', state: 'PENDING' })).toBe(1);
    expect(
      sampleValue(families!, 'fleet_operations_oldest_age_seconds', { kind: 'BACKUP', state: 'PENDING' }),
    ).toBeGreaterThanOrEqual(90);

    unsubscribe();
    await vi.waitFor(async () =>
      expect(sampleValue((await scrape()).families!, 'fleet_graphql_subscriptions_open', { transport: 'ws' })).toBe(0),
    );
    await client.dispose();
  });
});
