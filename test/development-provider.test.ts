// The first hour of a newcomer: `npm start` with no provider settings creates instances
// end to end against the built-in simulator, and an instance waiting on a provider that
// does not answer says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { operationHandlers } from '../src/services/operations/handlers.js';
import { createWorker } from '../src/services/operations/worker.js';
import { createFleetPubSub } from '../src/pubsub.js';
import { createLocalBackupStore } from '../src/services/storage/backup-store.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { TEST_KEY_SPEC, testKeyRing, testOperationDeps } from './support/server.js';

let db: TestDatabase;
let acme: SeededCompany;
const processes: ServerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  acme = await seedCompany(db.prisma, 'first-hour');
});
afterAll(async () => {
  for (const server of processes) await server.stop('SIGKILL');
  await db?.drop();
});

async function graphql(port: number, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, { instance?: { id: string } } | null>; errors?: unknown[] };
}

describe('the Odoo.sh provider in development', () => {
  it('runs the built-in simulator when ODOO_SH_API_BASE_URL is unset, and an instance reaches RUNNING', async () => {
    const server = await startServerProcess({
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      ENCRYPTION_KEYS: TEST_KEY_SPEC,
      ODOO_SH_API_BASE_URL: '',
      ODOO_SH_API_TOKEN: '',
      WORKER_POLL_MS: '200',
    });
    processes.push(server);
    const notice = server.logs.find((entry) => String(entry.message).startsWith('ODOO_SH_API_BASE_URL is not set'));
    expect(String(notice?.message)).toMatch(/built-in simulator at http:\/\/127\.0\.0\.1:\d+\/api\/v1/);

    const created = await graphql(
      server.port,
      acme.token,
      `
        mutation {
          createInstance(input: { name: "first-hour", version: "17.0" }) {
            __typename
            ... on CreateInstanceSuccess {
              instance {
                id
                status
              }
            }
            ... on Error {
              message
            }
          }
        }
      `,
    );
    expect(created.data?.createInstance).toMatchObject({
      __typename: 'CreateInstanceSuccess',
      instance: { status: 'CREATING' },
    });
    const id = created.data!.createInstance!.instance!.id;

    await expect
      .poll(
        async () =>
          (
            await graphql(
              server.port,
              acme.token,
              'query ($id: ID!) { instance(id: $id) { status statusMessage url } }',
              { id },
            )
          ).data?.instance,
        {
          timeout: 30_000,
          interval: 500,
        },
      )
      .toMatchObject({ status: 'RUNNING', statusMessage: null, url: expect.stringMatching(/^https?:\/\//) });
  });

  it('is required in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEYS: TEST_KEY_SPEC })).toThrow(
      /ODOO_SH_API_BASE_URL: is required in production/,
    );
  });

  it('says at once why an instance waits on a provider that does not answer', async () => {
    const pubsub = createFleetPubSub();
    const providers = createProviderRegistry({
      keyRing: testKeyRing,
      odooShBaseUrl: 'http://127.0.0.1:9/api/v1',
      odooShDefaultToken: 'token',
      timeoutMs: 500,
    });
    const { git, author } = testOperationDeps();
    const worker = createWorker({
      prisma: db.prisma,
      handlers: operationHandlers({
        prisma: db.prisma,
        pubsub,
        providers,
        store: createLocalBackupStore('/nonexistent/backups'),
        keyRing: testKeyRing,
        git,
        author,
      }),
      pollMs: 0,
    });
    const instance = await db.prisma.odooInstance.create({
      data: { companyId: acme.id, name: 'unreachable', database: 'unreachable', version: '17.0', status: 'CREATING' },
    });
    await db.prisma.operation.create({
      data: { kind: 'CREATE_INSTANCE', subjectId: instance.id, instanceId: instance.id, companyId: acme.id },
    });
    await worker.drain();
    const waiting = await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: instance.id } });
    expect(waiting.status).toBe('CREATING');
    expect(waiting.statusMessage).toMatch(/^Waiting for the provider, will retry: POST \/instances (failed|timed out)/);
  });
});
