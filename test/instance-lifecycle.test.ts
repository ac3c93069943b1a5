// The life of an instance through GraphQL, for both providers: requested, created by the
// worker, observed by subscription, suspended, resumed, changed and deleted; and a
// worker that dies in the middle of a creation.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderRegistry, type ProviderRegistry } from '../src/providers/registry.js';
import { createFleetPubSub } from '../src/pubsub.js';
import { instanceOperationHandlers } from '../src/services/instances/instance-operations.js';
import { createWorker, type Worker } from '../src/services/operations/worker.js';
import { createLocalBackupStore } from '../src/services/storage/backup-store.js';
import {
  CreateInstanceDocument,
  DeleteInstanceDocument,
  FleetEventsDocument,
  InstanceStateDocument,
  InstancesDocument,
  ResumeInstanceDocument,
  SetInstanceCredentialsDocument,
  SuspendInstanceDocument,
  UpdateInstanceDocument,
} from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { OdooServerDouble } from './support/odoo-double.js';
import { startSimulator, type SimulatorHarness } from './support/odoo-sh.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, testKeyRing, wsClient, type TestServer } from './support/server.js';

let db: TestDatabase;
let sim: SimulatorHarness;
let odoo: OdooServerDouble;
let odooUrl: string;
let folder: string;
let server: TestServer;
let company: SeededCompany;
let providers: ProviderRegistry;
const pubsub = createFleetPubSub();

function worker(overrides: Partial<Parameters<typeof createWorker>[0]> = {}): Worker {
  return createWorker({ prisma: db.prisma, handlers: instanceOperationHandlers({ prisma: db.prisma, pubsub, providers, pollMs: 0 }), retryBaseMs: 0, ...overrides });
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startSimulator();
  odoo = new OdooServerDouble({ masterPassword: 'master-pw' });
  odooUrl = await odoo.listen();
  folder = await mkdtemp(join(tmpdir(), 'fleet-lifecycle-'));
  providers = createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: sim.baseUrl,
    odooShDefaultToken: 'account-token',
    timeoutMs: 2000,
  });
  company = await seedCompany(db.prisma, 'lifecycle');
  server = await startTestServer(db.prisma, { providers, pubsub });
});
afterAll(async () => {
  await server?.stop();
  await sim?.close();
  await odoo?.close();
  await db?.drop();
  await rm(folder, { recursive: true, force: true });
});

const gql = <R, V>(document: Parameters<typeof execute<R, V>>[1], variables: V) => execute(server.httpUrl, document, { token: company.token, variables });

async function state(id: string) {
  return (await gql(InstanceStateDocument, { id })).data!.instance!;
}

describe('an Odoo.sh instance', () => {
  it('lives its whole life through GraphQL, each change on fleetEvents', async () => {
    const statuses: string[] = [];
    const client = wsClient(server.wsUrl, company.token, true);
    client.subscribe({ query: print(FleetEventsDocument) }, { next: (value) => statuses.push((value.data as { fleetEvents: { status: string } }).fleetEvents.status), error: () => {}, complete: () => {} });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const input = { name: 'acme-prod', version: '17.0', subscriptionTier: 'GROWTH' as const, idempotencyKey: 'create-acme-prod' };
    const created = await gql(CreateInstanceDocument, { input });
    if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
    const { id } = created.data.createInstance.instance;
    expect(created.data.createInstance.instance).toMatchObject({ status: 'CREATING', database: 'acme_prod', deploymentMethod: 'ODOO_SH' });
    // The same key again: the same instance, no second request to the provider.
    const again = await gql(CreateInstanceDocument, { input });
    expect(again.data?.createInstance).toMatchObject({ instance: { id } });

    const work = worker();
    await work.drain();
    expect(await state(id)).toMatchObject({ status: 'CREATING', url: 'https://acme-prod.odoo.sh', instanceId: expect.stringMatching(/^inst_/) });
    sim.advance(1000);
    await work.drain();
    expect((await state(id)).status).toBe('RUNNING');
    expect([...sim.simulator.instances.values()].filter((instance) => instance.name === 'acme-prod')).toHaveLength(1);

    expect((await gql(SuspendInstanceDocument, { input: { id } })).data?.suspendInstance).toMatchObject({ instance: { status: 'SUSPENDED' } });
    expect((await gql(ResumeInstanceDocument, { input: { id } })).data?.resumeInstance).toMatchObject({ instance: { status: 'RUNNING' } });
    expect((await gql(UpdateInstanceDocument, { input: { id, subscriptionTier: 'ENTERPRISE', gitBranch: 'production' } })).data?.updateInstance).toMatchObject({
      instance: { subscriptionTier: 'ENTERPRISE', gitBranch: 'production' },
    });
    const atProvider = [...sim.simulator.instances.values()].find((instance) => instance.name === 'acme-prod')!;
    expect([atProvider.tier, atProvider.gitBranch]).toEqual(['enterprise', 'production']);

    expect((await gql(DeleteInstanceDocument, { input: { id } })).data?.deleteInstance).toMatchObject({ instance: { status: 'DELETING' } });
    await work.drain();
    sim.advance(1000);
    await work.drain();
    expect((await state(id)).status).toBe('DELETED');
    expect((await gql(InstancesDocument, { first: 10 })).data?.instances.totalCount).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(statuses).toEqual(['CREATING', 'RUNNING', 'SUSPENDED', 'RUNNING', 'DELETING', 'DELETED']);
    await client.dispose();
  });

  it('refuses invalid requests with typed errors and changes nothing', async () => {
    const before = await db.prisma.odooInstance.count();
    const invalid = await gql(CreateInstanceDocument, { input: { name: 'Bad Name', version: 'seventeen' } });
    expect(invalid.data?.createInstance).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [
        { path: ['name'], message: expect.stringMatching(/lowercase/) },
        { path: ['version'], message: expect.stringMatching(/17\.0/) },
      ],
    });
    const selfHostedWithoutServer = await gql(CreateInstanceDocument, { input: { name: 'lonely', version: '17.0', deploymentMethod: 'SELF_HOSTED' } });
    expect(selfHostedWithoutServer.data?.createInstance).toMatchObject({ __typename: 'InvalidInputError', fieldErrors: [{ path: ['serverUrl'] }] });
    await gql(CreateInstanceDocument, { input: { name: 'taken-name', version: '17.0' } });
    expect((await gql(CreateInstanceDocument, { input: { name: 'taken-name', version: '18.0' } })).data?.createInstance.__typename).toBe('ConflictError');
    const reused = await gql(CreateInstanceDocument, { input: { name: 'other-name', version: '17.0', idempotencyKey: 'create-acme-prod' } });
    expect(reused.data?.createInstance).toMatchObject({ __typename: 'ConflictError', message: expect.stringMatching(/idempotency key/) });
    const creating = await db.prisma.odooInstance.findFirstOrThrow({ where: { name: 'taken-name' } });
    expect((await gql(SuspendInstanceDocument, { input: { id: encodeGlobalID('OdooInstance', creating.id) } })).data?.suspendInstance.__typename).toBe('ConflictError');
    expect(await db.prisma.odooInstance.count()).toBe(before + 1);
  });
});

describe('a self-hosted instance', () => {
  it('waits for its credentials, then is created, suspended, resumed and deleted on the Odoo server', async () => {
    const created = await gql(CreateInstanceDocument, { input: { name: 'onprem', version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl: odooUrl } });
    if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
    const { id } = created.data.createInstance.instance;
    const work = worker();
    await work.drain();
    expect(await state(id)).toMatchObject({ status: 'CREATING', statusMessage: expect.stringMatching(/^Waiting for credentials/), credentialsConfigured: false });

    await gql(SetInstanceCredentialsDocument, { input: { instanceId: id, odooLogin: 'admin', odooPassword: 'odoo-admin-pw', masterPassword: 'master-pw' } });
    await work.drain();
    expect(await state(id)).toMatchObject({ status: 'RUNNING', instanceId: 'onprem', credentialsConfigured: true });
    expect(odoo.databases.get('onprem')?.users[0]).toMatchObject({ login: 'admin', password: 'odoo-admin-pw' });

    expect((await gql(SuspendInstanceDocument, { input: { id } })).data?.suspendInstance).toMatchObject({ instance: { status: 'SUSPENDED' } });
    expect(odoo.databases.get('onprem')?.users.find((user) => user.login === 'demo')?.active).toBe(false);
    expect((await gql(ResumeInstanceDocument, { input: { id } })).data?.resumeInstance).toMatchObject({ instance: { status: 'RUNNING' } });

    await gql(DeleteInstanceDocument, { input: { id } });
    await work.drain(); // drops the database
    await work.drain(); // sees it gone
    expect((await state(id)).status).toBe('DELETED');
    expect(odoo.databases.has('onprem')).toBe(false);
  });
});

describe('a worker that dies mid-creation', () => {
  it('loses its lease, and another worker finishes the creation once', async () => {
    const created = await gql(CreateInstanceDocument, { input: { name: 'phoenix', version: '17.0' } });
    if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error('not created');
    const { id } = created.data.createInstance.instance;
    const rowId = decodeGlobalID(id).id;
    // Only this creation is pending, so the workers below can take no other.
    await db.prisma.operation.updateMany({ where: { subjectId: { not: rowId }, status: { in: ['PENDING', 'RUNNING'] } }, data: { status: 'CANCELLED' } });
    // This worker asks the provider to create the instance, then "dies" before recording it.
    let calledProvider = false;
    const doomed = createWorker({
      prisma: db.prisma,
      leaseMs: 300,
      handlers: {
        CREATE_INSTANCE: {
          async step(operation) {
            const instance = await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: operation.subjectId! } });
            await providers.providerFor(instance).createInstance(
              { name: instance.name, database: instance.database, version: instance.version, subscriptionTier: 'starter' },
              { idempotencyKey: `${operation.id}:create` },
            );
            calledProvider = true;
            return new Promise(() => {}); // never settles: the process is gone
          },
        },
      },
    });
    void doomed.drain();
    await expect.poll(() => calledProvider).toBe(true);
    expect((await state(id)).instanceId).toBeNull();

    await new Promise((resolve) => setTimeout(resolve, 400)); // the lease expires
    const survivor = worker();
    await survivor.drain();
    sim.advance(1000);
    await survivor.drain();
    expect((await state(id)).status).toBe('RUNNING');
    expect([...sim.simulator.instances.values()].filter((instance) => instance.name === 'phoenix')).toHaveLength(1);
    const operations = await db.prisma.operation.findMany({ where: { subjectId: rowId } });
    expect(operations.map((operation) => operation.status)).toEqual(['SUCCEEDED']);
  });
});
