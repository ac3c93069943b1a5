// The life of an instance through GraphQL, for both providers: requested, created by the
// worker, observed by subscription, suspended, resumed, changed and deleted; and a
// worker that dies in the middle of a creation.
import { createHash } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupOperationHandler } from '../src/services/backups/backup-operations.js';
import { restoreOperationHandler } from '../src/services/backups/restore-operations.js';
import { OdooShSimulator } from '../src/doubles/odoo-sh/simulator.js';
import { createWorker } from '../src/services/operations/worker.js';
import {
  BackupStateDocument,
  BackupStatusDocument,
  CreateBackupDocument,
  CreateBackupDownloadUrlDocument,
  CreateInstanceDocument,
  DeleteInstanceDocument,
  FleetEventsDocument,
  InstanceStateDocument,
  InstancesDocument,
  RestoreBackupDocument,
  RestoreStateDocument,
  ResumeInstanceDocument,
  SetInstanceCredentialsDocument,
  SuspendInstanceDocument,
  UpdateInstanceDocument,
} from './generated/graphql.js';
import { startFleet, type Fleet } from './support/fleet.js';
import { seedCompany } from './support/seed.js';
import { execute, wsClient } from './support/server.js';

let fleet: Fleet;
let db: Fleet['db'];
let sim: Fleet['sim'];
let odoo: Fleet['odoo'];
let odooUrl: string;
let server: Fleet['server'];
let company: Fleet['company'];
let providers: Fleet['providers'];
let pubsub: Fleet['pubsub'];
let store: Fleet['store'];

beforeAll(async () => {
  fleet = await startFleet('lifecycle');
  ({ db, sim, odoo, odooUrl, server, company, providers, pubsub, store } = fleet);
});
afterAll(async () => {
  await fleet?.stop();
});

const gql: Fleet['gql'] = (document, variables) => fleet.gql(document, variables);
const worker: Fleet['worker'] = (overrides) => fleet.worker(overrides);
const runningInstance: Fleet['runningInstance'] = (input, setup) => fleet.runningInstance(input, setup);

async function state(id: string) {
  return (await gql(InstanceStateDocument, { id })).data!.instance!;
}

describe('an Odoo.sh instance', () => {
  it('lives its whole life through GraphQL, each change on fleetEvents', async () => {
    const statuses: string[] = [];
    const client = wsClient(server.wsUrl, company.token, true);
    client.subscribe(
      { query: print(FleetEventsDocument) },
      {
        next: (value) => statuses.push((value.data as { fleetEvents: { status: string } }).fleetEvents.status),
        error: () => {},
        complete: () => {},
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    const input = {
      name: 'acme-prod',
      version: '17.0',
      subscriptionTier: 'GROWTH' as const,
      idempotencyKey: 'create-acme-prod',
    };
    const created = await gql(CreateInstanceDocument, { input });
    if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
    const { id } = created.data.createInstance.instance;
    expect(created.data.createInstance.instance).toMatchObject({
      status: 'CREATING',
      database: 'acme_prod',
      deploymentMethod: 'ODOO_SH',
    });
    // The same key again: the same instance, no second request to the provider.
    const again = await gql(CreateInstanceDocument, { input });
    expect(again.data?.createInstance).toMatchObject({ instance: { id } });

    const work = worker();
    await work.drain();
    expect(await state(id)).toMatchObject({
      status: 'CREATING',
      url: 'https://acme-prod.odoo.sh',
      instanceId: expect.stringMatching(/^inst_/),
    });
    sim.advance(1000);
    await work.drain();
    expect((await state(id)).status).toBe('RUNNING');
    expect([...sim.simulator.instances.values()].filter((instance) => instance.name === 'acme-prod')).toHaveLength(1);

    expect((await gql(SuspendInstanceDocument, { input: { id } })).data?.suspendInstance).toMatchObject({
      instance: { status: 'SUSPENDED' },
    });
    expect((await gql(ResumeInstanceDocument, { input: { id } })).data?.resumeInstance).toMatchObject({
      instance: { status: 'RUNNING' },
    });
    expect(
      (await gql(UpdateInstanceDocument, { input: { id, subscriptionTier: 'ENTERPRISE', gitBranch: 'production' } }))
        .data?.updateInstance,
    ).toMatchObject({
      instance: { subscriptionTier: 'ENTERPRISE', gitBranch: 'production' },
    });
    const atProvider = [...sim.simulator.instances.values()].find((instance) => instance.name === 'acme-prod')!;
    expect([atProvider.tier, atProvider.gitBranch]).toEqual(['enterprise', 'production']);

    expect((await gql(DeleteInstanceDocument, { input: { id } })).data?.deleteInstance).toMatchObject({
      instance: { status: 'DELETING' },
    });
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
    const selfHostedWithoutServer = await gql(CreateInstanceDocument, {
      input: { name: 'lonely', version: '17.0', deploymentMethod: 'SELF_HOSTED' },
    });
    expect(selfHostedWithoutServer.data?.createInstance).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [{ path: ['serverUrl'] }],
    });
    await gql(CreateInstanceDocument, { input: { name: 'taken-name', version: '17.0' } });
    expect(
      (await gql(CreateInstanceDocument, { input: { name: 'taken-name', version: '18.0' } })).data?.createInstance
        .__typename,
    ).toBe('ConflictError');
    const reused = await gql(CreateInstanceDocument, {
      input: { name: 'other-name', version: '17.0', idempotencyKey: 'create-acme-prod' },
    });
    expect(reused.data?.createInstance).toMatchObject({
      __typename: 'ConflictError',
      message: expect.stringMatching(/idempotency key/),
    });
    const creating = await db.prisma.odooInstance.findFirstOrThrow({ where: { name: 'taken-name' } });
    expect(
      (await gql(SuspendInstanceDocument, { input: { id: encodeGlobalID('OdooInstance', creating.id) } })).data
        ?.suspendInstance.__typename,
    ).toBe('ConflictError');
    expect(await db.prisma.odooInstance.count()).toBe(before + 1);
  });
});

describe('a self-hosted instance', () => {
  it('waits for its credentials, then is created, suspended, resumed and deleted on the Odoo server', async () => {
    const created = await gql(CreateInstanceDocument, {
      input: { name: 'onprem', version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl: odooUrl },
    });
    if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
    const { id } = created.data.createInstance.instance;
    const work = worker();
    await work.drain();
    expect(await state(id)).toMatchObject({
      status: 'CREATING',
      statusMessage: expect.stringMatching(/^Waiting for credentials/),
      credentialsConfigured: false,
    });

    await gql(SetInstanceCredentialsDocument, {
      input: { instanceId: id, odooLogin: 'admin', odooPassword: 'odoo-admin-pw', masterPassword: 'master-pw' },
    });
    await work.drain();
    expect(await state(id)).toMatchObject({ status: 'RUNNING', instanceId: 'onprem', credentialsConfigured: true });
    expect(odoo.databases.get('onprem')?.users[0]).toMatchObject({ login: 'admin', password: 'odoo-admin-pw' });

    expect((await gql(SuspendInstanceDocument, { input: { id } })).data?.suspendInstance).toMatchObject({
      instance: { status: 'SUSPENDED' },
    });
    expect(odoo.databases.get('onprem')?.users.find((user) => user.login === 'demo')?.active).toBe(false);
    expect((await gql(ResumeInstanceDocument, { input: { id } })).data?.resumeInstance).toMatchObject({
      instance: { status: 'RUNNING' },
    });

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
    await db.prisma.operation.updateMany({
      where: { subjectId: { not: rowId }, status: { in: ['PENDING', 'RUNNING'] } },
      data: { status: 'CANCELLED' },
    });
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
              {
                name: instance.name,
                database: instance.database,
                version: instance.version,
                subscriptionTier: 'starter',
              },
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

describe('backups', () => {
  it('of an Odoo.sh instance are taken, copied to storage with a checksum, followed live and downloaded', async () => {
    const instanceId = await runningInstance({ name: 'backed-up', version: '17.0' });
    const created = await gql(CreateBackupDocument, { input: { instanceId, idempotencyKey: 'nightly-1' } });
    if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(created));
    const { id } = created.data.createBackup.backup;
    expect(created.data.createBackup.backup.status).toBe('PENDING');
    expect((await gql(CreateBackupDocument, { input: { instanceId } })).data?.createBackup).toMatchObject({
      __typename: 'ConflictError',
    });
    expect(
      (await gql(CreateBackupDocument, { input: { instanceId, idempotencyKey: 'nightly-1' } })).data?.createBackup,
    ).toMatchObject({ backup: { id } });
    const early = await gql(CreateBackupDownloadUrlDocument, { input: { backupId: id } });
    expect(early.data?.createBackupDownloadUrl).toMatchObject({ __typename: 'ConflictError' });

    // A late subscriber gets the current state first, then every change, then the end.
    const seen: string[] = [];
    let completed = false;
    const client = wsClient(server.wsUrl, company.token, true);
    client.subscribe(
      { query: print(BackupStatusDocument), variables: { backupId: id } },
      {
        next: (value) => seen.push((value.data as { backupStatus: { status: string } }).backupStatus.status),
        error: () => {},
        complete: () => (completed = true),
      },
    );
    await expect.poll(() => seen.length).toBe(1);

    const work = worker();
    await work.drain(); // asks Odoo.sh
    sim.advance(1000);
    await work.drain(); // in progress
    sim.advance(1000);
    await work.drain(); // completed at Odoo.sh: copying
    await work.drain(); // copied
    const backup = (await gql(BackupStateDocument, { id })).data!.backup!;
    const size = 256 * 1024 + 11;
    const content = createHash('sha256');
    for (const chunk of OdooShSimulator.fileChunks(backup.backupId!, size)) content.update(chunk);
    expect(backup).toMatchObject({
      status: 'COMPLETED',
      sizeBytes: String(size),
      checksumSha256: content.digest('hex'),
    });
    await expect.poll(() => completed).toBe(true);
    expect(seen).toEqual(['PENDING', 'IN_PROGRESS', 'DOWNLOADING', 'COMPLETED']);
    await client.dispose();

    const issued = await gql(CreateBackupDownloadUrlDocument, { input: { backupId: id, expiresInSeconds: 120 } });
    if (issued.data?.createBackupDownloadUrl.__typename !== 'CreateBackupDownloadUrlSuccess')
      throw new Error(JSON.stringify(issued));
    const { downloadUrl, downloadExpiresAt } = issued.data.createBackupDownloadUrl.backup;
    expect(Date.parse(downloadExpiresAt!) - Date.now()).toBeGreaterThan(100_000);
    const file = await fetch(downloadUrl!);
    expect(file.status).toBe(200);
    expect(
      createHash('sha256')
        .update(Buffer.from(await file.arrayBuffer()))
        .digest('hex'),
    ).toBe(backup.checksumSha256);
    // One character of the signature changed (to a different one, whatever it was).
    const tampered = downloadUrl!.replace(
      /signature=(.)/,
      (_, first: string) => `signature=${first === '0' ? '1' : '0'}`,
    );
    expect(tampered).not.toBe(downloadUrl);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(downloadUrl!.replace(/expires=\d+/, 'expires=99999999999'))).status).toBe(403);
  });

  it("of a self-hosted instance stream Odoo's dump into storage", async () => {
    const instanceId = await runningInstance(
      { name: 'onprem-backed', version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl: odooUrl },
      (id) =>
        gql(SetInstanceCredentialsDocument, {
          input: { instanceId: id, odooLogin: 'admin', odooPassword: 'pw', masterPassword: 'master-pw' },
        }).then(() => {}),
    );
    odoo.databases.get('onprem_backed')!.backupBytes = 1024 * 1024 + 3;
    const created = await gql(CreateBackupDocument, { input: { instanceId } });
    if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(created));
    const work = worker();
    await work.drain();
    await work.drain();
    expect((await gql(BackupStateDocument, { id: created.data.createBackup.backup.id })).data?.backup).toMatchObject({
      status: 'COMPLETED',
      sizeBytes: String(1024 * 1024 + 3),
      checksumSha256: odoo.backupSha256('onprem_backed'),
    });
  });

  it('survive a worker dying after asking the provider: one backup at the provider, one file', async () => {
    const instanceId = await runningInstance({ name: 'crashy', version: '17.0' });
    const created = await gql(CreateBackupDocument, { input: { instanceId } });
    if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error('no backup');
    const rowId = decodeGlobalID(created.data.createBackup.backup.id).id;
    const real = backupOperationHandler({ prisma: db.prisma, pubsub, providers, store: store, pollMs: 0 });
    let asked = false;
    const doomed = createWorker({
      prisma: db.prisma,
      leaseMs: 300,
      handlers: {
        BACKUP: {
          async step(operation) {
            const backup = await db.prisma.backup.findUniqueOrThrow({
              where: { id: operation.subjectId! },
              include: { instance: true },
            });
            await providers
              .providerFor(backup.instance)
              .createBackup(backup.instance.instanceId!, { idempotencyKey: `${operation.id}:backup` });
            asked = true;
            return new Promise(() => {}); // the process is gone before it records anything
          },
        },
      },
    });
    void doomed.drain();
    await expect.poll(() => asked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const survivor = createWorker({ prisma: db.prisma, handlers: { BACKUP: real }, retryBaseMs: 0 });
    for (let round = 0; round < 5; round += 1) {
      await survivor.drain();
      sim.advance(1000);
    }
    const backup = await db.prisma.backup.findUniqueOrThrow({ where: { id: rowId }, include: { instance: true } });
    expect(backup.status).toBe('COMPLETED');
    expect(
      [...sim.simulator.backups.values()].filter((candidate) => candidate.instanceId === backup.instance.instanceId),
    ).toHaveLength(1);
    expect(await db.prisma.operation.findMany({ where: { subjectId: rowId }, select: { status: true } })).toEqual([
      { status: 'SUCCEEDED' },
    ]);
  });
});

/** A completed backup of the instance, taken through GraphQL. */
async function completedBackup(instanceId: string): Promise<string> {
  const created = await gql(CreateBackupDocument, { input: { instanceId } });
  if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(created));
  const { id } = created.data.createBackup.backup;
  const work = worker();
  for (
    let round = 0;
    round < 8 && (await gql(BackupStateDocument, { id })).data?.backup?.status !== 'COMPLETED';
    round += 1
  ) {
    await work.drain();
    sim.advance(1000);
  }
  expect((await gql(BackupStateDocument, { id })).data?.backup?.status).toBe('COMPLETED');
  return id;
}

async function restoreState(id: string) {
  const node = (await gql(RestoreStateDocument, { id })).data?.node;
  if (!node || !('status' in node)) throw new Error(`no restore ${id}`);
  return node;
}

/** Drives the worker (and the simulator's clock) until the restore ends. */
async function finishRestore(id: string, work = worker()) {
  for (let round = 0; round < 20 && !['COMPLETED', 'FAILED'].includes((await restoreState(id)).status); round += 1) {
    await work.drain();
    sim.advance(1000);
  }
  return restoreState(id);
}

describe('restores', () => {
  it("refuse a restore without confirmation or of another company's backup, and record nothing", async () => {
    const instanceId = await runningInstance({ name: 'guarded', version: '17.0' });
    const backupId = await completedBackup(instanceId);
    const restoresBefore = await db.prisma.restore.count();
    const operationsBefore = await db.prisma.operation.count();

    const unconfirmed = await gql(RestoreBackupDocument, { input: { backupId, confirm: false } });
    expect(unconfirmed.data?.restoreBackup).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [{ path: ['confirm'] }],
    });

    const stranger = await seedCompany(db.prisma, 'stranger');
    const foreign = await execute(server.httpUrl, RestoreBackupDocument, {
      token: stranger.token,
      variables: { input: { backupId, confirm: true } },
    });
    expect(foreign.data?.restoreBackup).toMatchObject({ __typename: 'NotFoundError' });
    // Nor may a company restore its own backup into another company's instance.
    const strangerInstance = await db.prisma.odooInstance.create({
      data: {
        companyId: stranger.id,
        name: 'their-prod',
        database: 'their_prod',
        version: '17.0',
        status: 'RUNNING',
        instanceId: 'inst_theirs',
      },
    });
    const intoForeign = await gql(RestoreBackupDocument, {
      input: { backupId, confirm: true, targetInstanceId: encodeGlobalID('OdooInstance', strangerInstance.id) },
    });
    expect(intoForeign.data?.restoreBackup).toMatchObject({ __typename: 'NotFoundError' });

    expect(await db.prisma.restore.count()).toBe(restoresBefore);
    expect(await db.prisma.operation.count()).toBe(operationsBefore);
    expect((await state(instanceId)).status).toBe('RUNNING');
  });

  it('of an Odoo.sh backup into a staging instance take a safety backup first and neutralize the copy', async () => {
    const production = await runningInstance({ name: 'shop-prod', version: '17.0' });
    const staging = await runningInstance({ name: 'shop-staging', version: '17.0' });
    const backupId = await completedBackup(production);
    const events: Array<{ kind: string; status: string }> = [];
    const client = wsClient(server.wsUrl, company.token, true);
    client.subscribe(
      { query: print(FleetEventsDocument) },
      {
        next: (value) => events.push((value.data as { fleetEvents: { kind: string; status: string } }).fleetEvents),
        error: () => {},
        complete: () => {},
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    const requested = await gql(RestoreBackupDocument, {
      input: { backupId, targetInstanceId: staging, confirm: true, neutralize: true },
    });
    if (requested.data?.restoreBackup.__typename !== 'RestoreBackupSuccess') throw new Error(JSON.stringify(requested));
    expect(requested.data.restoreBackup.restore).toMatchObject({
      status: 'PENDING',
      neutralize: true,
      targetInstance: { id: staging },
    });
    // The target is busy now: a second restore or a backup of it waits its turn.
    expect(
      (await gql(RestoreBackupDocument, { input: { backupId, targetInstanceId: staging, confirm: true } })).data
        ?.restoreBackup.__typename,
    ).toBe('ConflictError');
    expect((await gql(CreateBackupDocument, { input: { instanceId: staging } })).data?.createBackup.__typename).toBe(
      'ConflictError',
    );

    const restore = await finishRestore(requested.data.restoreBackup.restore.id);
    expect(restore).toMatchObject({
      status: 'COMPLETED',
      error: null,
      safetyBackup: { type: 'PRE_RESTORE', status: 'COMPLETED' },
      targetInstance: { status: 'RUNNING' },
    });
    const [stagingAtProvider, sourceBackup] = [
      await state(staging),
      (await gql(BackupStateDocument, { id: backupId })).data!.backup!,
    ];
    expect(sim.simulator.restores.filter((done) => done.targetId === stagingAtProvider.instanceId)).toEqual([
      expect.objectContaining({ backupId: sourceBackup.backupId, neutralize: true }),
    ]);
    // The safety backup is of the target, not of the source.
    const safety = await db.prisma.backup.findUniqueOrThrow({
      where: { id: decodeGlobalID(restore.safetyBackup!.id).id },
      include: { instance: true },
    });
    expect(safety.instance.name).toBe('shop-staging');

    await new Promise((resolve) => setTimeout(resolve, 200));
    const restoreEvents = events.filter((event) => event.kind === 'RESTORE').map((event) => event.status);
    expect(restoreEvents).toEqual(['PENDING', 'SAFETY_BACKUP', 'IN_PROGRESS', 'COMPLETED']);
    expect(events.filter((event) => event.kind === 'INSTANCE').map((event) => event.status)).toEqual([
      'MAINTENANCE',
      'RUNNING',
    ]);
    await client.dispose();
  });

  it('of a self-hosted backup stream the stored file back into Odoo, neutralized on request', async () => {
    const withCredentials = (id: string) =>
      gql(SetInstanceCredentialsDocument, {
        input: { instanceId: id, odooLogin: 'admin', odooPassword: 'pw', masterPassword: 'master-pw' },
      }).then(() => {});
    const source = await runningInstance(
      { name: 'erp-live', version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl: odooUrl },
      withCredentials,
    );
    const copy = await runningInstance(
      { name: 'erp-copy', version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl: odooUrl },
      withCredentials,
    );
    odoo.databases.get('erp_live')!.backupBytes = 300_000;
    const backupId = await completedBackup(source);

    const requested = await gql(RestoreBackupDocument, {
      input: { backupId, targetInstanceId: copy, confirm: true, neutralize: true, safetyBackup: false },
    });
    if (requested.data?.restoreBackup.__typename !== 'RestoreBackupSuccess') throw new Error(JSON.stringify(requested));
    const restore = await finishRestore(requested.data.restoreBackup.restore.id);
    expect(restore).toMatchObject({ status: 'COMPLETED', safetyBackup: null });
    const restored = odoo.databases.get('erp_copy')!;
    expect(restored.neutralized).toBe(true);
    expect(restored.restored).toEqual({ bytes: 300_000, sha256: odoo.backupSha256('erp_live') });
    expect([...odoo.databases.keys()].filter((name) => name.startsWith('erp_copy'))).toEqual(['erp_copy']);
  });

  it('survive a worker dying after asking Odoo.sh to restore: the restore happens once', async () => {
    const instanceId = await runningInstance({ name: 'restore-crash', version: '17.0' });
    const backupId = await completedBackup(instanceId);
    const requested = await gql(RestoreBackupDocument, { input: { backupId, confirm: true, safetyBackup: false } });
    if (requested.data?.restoreBackup.__typename !== 'RestoreBackupSuccess') throw new Error(JSON.stringify(requested));
    const restoreId = decodeGlobalID(requested.data.restoreBackup.restore.id).id;
    const real = restoreOperationHandler({ prisma: db.prisma, pubsub, providers, store: store, pollMs: 0 });
    let asked = false;
    const doomed = createWorker({
      prisma: db.prisma,
      leaseMs: 300,
      handlers: {
        RESTORE: {
          async step(operation) {
            if (operation.step !== 'restore') return real.step(operation);
            const restore = await db.prisma.restore.findUniqueOrThrow({
              where: { id: operation.subjectId! },
              include: { backup: { include: { instance: true } } },
            });
            await providers
              .providerFor(restore.backup.instance)
              .restoreBackup(
                restore.backup.instance.instanceId!,
                restore.backup.backupId!,
                {},
                { idempotencyKey: `${operation.id}:restore` },
              );
            asked = true;
            return new Promise(() => {}); // gone before recording anything
          },
        },
      },
    });
    void doomed.drain(); // start → restore
    await expect
      .poll(async () => (await db.prisma.operation.findFirstOrThrow({ where: { subjectId: restoreId } })).step)
      .toBe('restore');
    void doomed.drain();
    await expect.poll(() => asked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));

    const restore = await finishRestore(
      requested.data.restoreBackup.restore.id,
      createWorker({ prisma: db.prisma, handlers: { RESTORE: real }, retryBaseMs: 0 }),
    );
    expect(restore.status).toBe('COMPLETED');
    const providerId = (await state(instanceId)).instanceId;
    expect(sim.simulator.restores.filter((done) => done.targetId === providerId)).toHaveLength(1);
    expect(await db.prisma.operation.findMany({ where: { subjectId: restoreId }, select: { status: true } })).toEqual([
      { status: 'SUCCEEDED' },
    ]);
  });
});
