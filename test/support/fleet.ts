// The whole fleet a life-cycle test drives: a test database, the Odoo.sh simulator, the
// Odoo server double, a server on loopback with one company, and workers running every
// kind of operation against them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';
import { createPoller } from '../../src/jobs/poller.js';
import { createLogger } from '../../src/logger.js';
import type { LongCallTimeouts } from '../../src/odoo/client.js';
import { createProviderRegistry, type ProviderRegistry } from '../../src/providers/registry.js';
import { createOdooApiKeyStore } from '../../src/providers/self-hosted/api-key-store.js';
import { createFleetPubSub, type PubSub } from '../../src/pubsub.js';
import type { GitPublisher } from '../../src/services/deployments/git-publisher.js';
import { operationHandlers } from '../../src/services/operations/handlers.js';
import { publishStepChange } from '../../src/services/operations/progress-events.js';
import { createWorker, type Worker, type WorkerOptions } from '../../src/services/operations/worker.js';
import { createLocalBackupStore, type BackupStore } from '../../src/services/storage/backup-store.js';
import { CreateInstanceDocument, InstanceStateDocument } from '../generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { OdooServerDouble } from '../../src/doubles/odoo/odoo-double.js';
import { startSimulator, type SimulatorHarness } from './odoo-sh.js';
import { seedCompany, type SeededCompany } from './seed.js';
import { execute, startTestServer, testKeyRing, testOperationDeps, type TestServer } from './server.js';

export interface Fleet {
  db: TestDatabase;
  sim: SimulatorHarness;
  odoo: OdooServerDouble;
  odooUrl: string;
  /** a temporary folder, removed by `stop` */
  folder: string;
  store: BackupStore;
  server: TestServer;
  company: SeededCompany;
  providers: ProviderRegistry;
  pubsub: PubSub;
  /** runs an operation as the company's admin */
  gql<R, V>(document: TypedDocumentNode<R, V>, variables: V): ReturnType<typeof execute<R, V>>;
  /** a worker running every kind of operation, retrying at once; `git` replaces the publisher */
  worker(overrides?: Partial<WorkerOptions> & { git?: GitPublisher }): Worker;
  /** an instance requested through GraphQL and driven to RUNNING (`setup` runs in between) */
  runningInstance(
    input: Record<string, unknown> & { name: string },
    setup?: (id: string) => Promise<void>,
  ): Promise<string>;
  stop(): Promise<void>;
}

export async function startFleet(
  slug: string,
  options: { git?: GitPublisher; odooLongTimeouts?: Partial<LongCallTimeouts>; odooSerie?: string } = {},
): Promise<Fleet> {
  const db = await createTestDatabase();
  const sim = await startSimulator();
  const folder = await mkdtemp(join(tmpdir(), `fleet-${slug}-`));
  const store = createLocalBackupStore(join(folder, 'backups'));
  const odoo = new OdooServerDouble({ masterPassword: 'master-pw', serverSerie: options.odooSerie });
  const odooUrl = await odoo.listen();
  const providers = createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: sim.baseUrl,
    odooShDefaultToken: 'account-token',
    timeoutMs: 2000,
    odooLongTimeouts: options.odooLongTimeouts,
    odooApiKeys: createOdooApiKeyStore({ prisma: db.prisma, keyRing: testKeyRing }),
  });
  const pubsub = createFleetPubSub();
  const company = await seedCompany(db.prisma, slug);
  const defaults = { ...testOperationDeps(), ...(options.git ? { git: options.git } : {}) };
  // No cron: `checkInstanceHealth` polls an instance when a test asks.
  const poller = createPoller({
    prisma: db.prisma,
    pubsub,
    providers,
    logger: createLogger('silent'),
    intervalMs: 60_000,
    concurrency: 4,
    timeoutMs: 2000,
    retentionDays: 7,
  });
  const server = await startTestServer(db.prisma, { providers, pubsub, backupStore: store, git: defaults.git, poller });

  const gql: Fleet['gql'] = (document, variables) =>
    execute(server.httpUrl, document, { token: company.token, variables });
  const worker: Fleet['worker'] = ({ git, ...overrides } = {}) =>
    createWorker({
      prisma: db.prisma,
      handlers: operationHandlers({
        ...defaults,
        ...(git ? { git } : {}),
        prisma: db.prisma,
        pubsub,
        providers,
        store,
      }),
      retryBaseMs: 0,
      onSettled: (operation, outcome) => publishStepChange({ prisma: db.prisma, pubsub }, operation, outcome),
      ...overrides,
    });
  const statusOf = async (id: string) => (await gql(InstanceStateDocument, { id })).data?.instance?.status;

  return {
    db,
    sim,
    odoo,
    odooUrl,
    folder,
    store,
    server,
    company,
    providers,
    pubsub,
    gql,
    worker,
    async runningInstance(input, setup) {
      const created = await gql(CreateInstanceDocument, { input: { version: '17.0', ...input } as never });
      if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
      const { id } = created.data.createInstance.instance;
      await setup?.(id);
      const work = worker();
      for (let round = 0; round < 4 && (await statusOf(id)) !== 'RUNNING'; round += 1) {
        await work.drain();
        sim.advance(1000);
      }
      expect(await statusOf(id)).toBe('RUNNING');
      return id;
    },
    async stop() {
      await server.stop();
      await sim.close();
      await odoo.close();
      await db.drop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
