// Request ids and traces through a real server: one mutation's span tree (operation,
// SQL statements), the worker step it started (provider call) under the same request
// id, the id in the response header, error extensions and every log line.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { createFleetPubSub } from '../src/pubsub.js';
import { operationHandlers } from '../src/services/operations/handlers.js';
import { createWorker } from '../src/services/operations/worker.js';
import { createLocalBackupStore } from '../src/services/storage/backup-store.js';
import { stampingRequestIds, traceStatements } from '../src/telemetry/database-telemetry.js';
import { instrumentProviders, observedHandlers } from '../src/telemetry/instrument.js';
import { createTelemetry, withRequestIds, type Telemetry } from '../src/telemetry/telemetry.js';
import { createTracing } from '../src/telemetry/tracing.js';
import { CreateBackupDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { startTestServer, testKeyRing, testOperationDeps, type TestServer } from './support/server.js';

let testDb: TestDatabase;
let database: Database;
let sim: SimulatorHarness;
let server: TestServer;
let company: SeededCompany;
let telemetry: Telemetry;
const exporter = new InMemorySpanExporter();
const logLines: Array<Record<string, unknown>> = [];

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${company.token}`, ...headers },
    body: JSON.stringify(body),
  });
  return {
    requestId: response.headers.get('x-request-id'),
    body: (await response.json()) as {
      data?: Record<string, unknown>;
      errors?: Array<{ extensions?: Record<string, unknown> }>;
    },
  };
}

const childrenOf = (parent: ReadableSpan) =>
  exporter.getFinishedSpans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

beforeAll(async () => {
  testDb = await createTestDatabase();
  sim = await startSimulator({}, Date.now());
  telemetry = createTelemetry({
    tracing: createTracing({ serviceName: 'fleet-test', exporter }),
    defaultMetrics: false,
  });
  database = await openDatabase({
    url: testDb.url,
    embeddedDataDir: '/nonexistent',
    poolSize: 4,
    migrateOnStart: false,
    onPool: (pool) => traceStatements(pool, telemetry),
    extendClient: (client) => stampingRequestIds(client, telemetry),
  });
  company = await seedCompany(database.prisma, 'traced');
  const logger = withRequestIds(
    createLogger('debug', (line) => logLines.push(JSON.parse(line) as Record<string, unknown>)),
    telemetry.context,
  );
  const providers = instrumentProviders(
    createProviderRegistry({
      keyRing: testKeyRing,
      odooShBaseUrl: sim.baseUrl,
      odooShDefaultToken: 'account-token',
      timeoutMs: 2000,
    }),
    telemetry,
  );
  server = await startTestServer(database.prisma, { providers, telemetry, logger, sql: database.sql });
});
afterAll(async () => {
  await server?.stop();
  await database?.close();
  await sim?.close();
  await testDb?.drop();
});

describe('request ids and traces', () => {
  it('traces one mutation and the worker step it started, under the request id it was sent', async () => {
    const created = await sim
      .client()
      .provider.createInstance({ name: 'traced', database: 'traced', version: '17.0', subscriptionTier: 'starter' });
    sim.advance(1000);
    const instance = await database.prisma.odooInstance.create({
      data: {
        companyId: company.id,
        name: 'traced',
        database: 'traced',
        version: '17.0',
        status: 'RUNNING',
        instanceId: created.id,
      },
    });
    exporter.reset();
    logLines.length = 0;

    const { requestId, body } = await post(
      {
        query: print(CreateBackupDocument),
        variables: { input: { instanceId: encodeGlobalID('OdooInstance', instance.id) } },
      },
      { 'x-request-id': 'req-backup-42' },
    );
    expect(requestId).toBe('req-backup-42');
    expect(body.data?.createBackup).toMatchObject({ __typename: 'CreateBackupSuccess', backup: { status: 'PENDING' } });

    const root = exporter.getFinishedSpans().find((span) => span.name === 'graphql.mutation CreateBackup')!;
    expect(root).toBeDefined();
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({
      'graphql.operation.name': 'CreateBackup',
      'fleet.request_id': 'req-backup-42',
    });
    const statements = childrenOf(root).filter((span) => span.name === 'db.query');
    expect(statements.map((span) => String(span.attributes['db.statement']))).toEqual(
      expect.arrayContaining([expect.stringMatching(/INSERT INTO "public"\."Operation"/)]),
    );
    expect(statements.every((span) => span.spanContext().traceId === root.spanContext().traceId)).toBe(true);

    // The operation remembers who started it; the worker's step runs under that id.
    const operation = await database.prisma.operation.findFirstOrThrow({
      where: { instanceId: instance.id, kind: 'BACKUP' },
    });
    expect(operation.requestId).toBe('req-backup-42');
    const pubsub = createFleetPubSub();
    const providers = instrumentProviders(
      createProviderRegistry({
        keyRing: testKeyRing,
        odooShBaseUrl: sim.baseUrl,
        odooShDefaultToken: 'account-token',
        timeoutMs: 2000,
      }),
      telemetry,
    );
    const logger = withRequestIds(
      createLogger('debug', (line) => logLines.push(JSON.parse(line) as Record<string, unknown>)),
      telemetry.context,
    );
    const worker = createWorker({
      prisma: database.prisma,
      handlers: observedHandlers(
        operationHandlers({
          ...testOperationDeps(),
          prisma: database.prisma,
          pubsub,
          providers,
          store: createLocalBackupStore('/tmp/h18-trace-backups'),
        }),
        telemetry,
        logger,
      ),
      pollMs: 0,
    });
    await worker.drain();
    const step = exporter.getFinishedSpans().find((span) => span.name === 'worker.step BACKUP.start')!;
    expect(step.attributes).toMatchObject({ 'fleet.request_id': 'req-backup-42', 'fleet.operation.id': operation.id });
    expect(childrenOf(step).map((span) => span.name)).toContain('provider odoo_sh.createBackup');

    const lines = logLines.filter((line) => line.requestId === 'req-backup-42');
    expect(lines.map((line) => line.message)).toEqual(expect.arrayContaining(['request', 'operation step']));
    expect(lines.find((line) => line.message === 'operation step')).toMatchObject({ kind: 'BACKUP', step: 'start' });
  });

  it('puts the request id in error extensions, from x-request-id, traceparent or a new one', async () => {
    const invalid = { query: '{ nope }' };
    const sent = await post(invalid, { 'x-request-id': 'client-chosen-1' });
    expect(sent.requestId).toBe('client-chosen-1');
    expect(sent.body.errors?.[0]?.extensions?.requestId).toBe('client-chosen-1');

    const traced = await post(invalid, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(traced.requestId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traced.body.errors?.[0]?.extensions?.requestId).toBe('0af7651916cd43dd8448eb211c80319c');

    // An id a log line could be forged with is replaced by one of ours.
    const forged = await post(invalid, { 'x-request-id': 'bad id"\\n{' });
    expect(forged.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(forged.body.errors?.[0]?.extensions?.requestId).toBe(forged.requestId);
  });

  it("hangs spans of a request sent with traceparent under the caller's span", async () => {
    exporter.reset();
    await post(
      { query: 'query Remote { viewer { role } }' },
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    );
    const root = exporter.getFinishedSpans().find((span) => span.name === 'graphql.query Remote')!;
    expect(root.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(root.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});
