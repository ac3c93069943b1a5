// Backup policies on real PostgreSQL: set through GraphQL (company default, instance
// override), applied by the scheduler (due instances only, never twice, even from two
// replicas at once), and retention (GFS over scheduled backups, manual backups kept until
// deleted or expired, locked backups never expired, stored files removed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetPubSub } from '../src/pubsub.js';
import { applyRetention, startScheduledBackups } from '../src/services/backups/backup-policies.js';
import { createLocalBackupStore, type BackupStore } from '../src/services/storage/backup-store.js';
import {
  CreateBackupDocument,
  DeleteBackupDocument,
  InstanceBackupPolicyDocument,
  SetBackupLockedDocument,
  SetBackupPolicyDocument,
} from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;
let folder: string;
let store: BackupStore;
const pubsub = createFleetPubSub();

beforeAll(async () => {
  db = await createTestDatabase();
  folder = await mkdtemp(join(tmpdir(), 'fleet-policies-'));
  store = createLocalBackupStore(folder);
  company = await seedCompany(db.prisma, 'policies');
  server = await startTestServer(db.prisma, { pubsub, backupStore: store });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
  await rm(folder, { recursive: true, force: true });
});

const gql = <R, V>(document: Parameters<typeof execute<R, V>>[1], variables: V) =>
  execute(server.httpUrl, document, { token: company.token, variables });

async function instance(name: string, companyId = company.id) {
  return db.prisma.odooInstance.create({
    data: {
      companyId,
      name,
      database: name.replace(/-/g, '_'),
      version: '17.0',
      status: 'RUNNING',
      instanceId: `inst_${name}`,
      createdAt: new Date('2026-01-01T00:00:00Z'),
    },
  });
}

describe('setting a policy', () => {
  it('sets a company default that instances inherit, and overrides per instance', async () => {
    const shop = await instance('policy-shop');
    const shopId = encodeGlobalID('OdooInstance', shop.id);
    expect((await gql(InstanceBackupPolicyDocument, { id: shopId })).data?.instance?.backupPolicy).toBeNull();

    const invalid = await gql(SetBackupPolicyDocument, { input: { schedule: 'every night', keepDaily: -1 } });
    expect(invalid.data?.setBackupPolicy).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [{ path: ['schedule'] }, { path: ['keepDaily'] }],
    });
    expect(await db.prisma.backupPolicy.count()).toBe(0);

    const byDefault = await gql(SetBackupPolicyDocument, { input: { schedule: '0 2 * * *', keepDaily: 3 } });
    expect(byDefault.data?.setBackupPolicy).toMatchObject({
      backupPolicy: {
        appliesToInstance: false,
        enabled: true,
        schedule: '0 2 * * *',
        keepDaily: 3,
        keepWeekly: 4,
        keepMonthly: 12,
      },
    });
    expect((await gql(InstanceBackupPolicyDocument, { id: shopId })).data?.instance?.backupPolicy).toMatchObject({
      appliesToInstance: false,
      schedule: '0 2 * * *',
    });

    await gql(SetBackupPolicyDocument, { input: { instanceId: shopId, enabled: false } });
    expect((await gql(InstanceBackupPolicyDocument, { id: shopId })).data?.instance?.backupPolicy).toMatchObject({
      appliesToInstance: true,
      enabled: false,
    });
    // Setting again changes the same policy rather than adding one.
    await gql(SetBackupPolicyDocument, { input: { keepWeekly: 2 } });
    expect(await db.prisma.backupPolicy.count({ where: { companyId: company.id } })).toBe(2);
    await db.prisma.backupPolicy.deleteMany();
    await db.prisma.odooInstance.update({ where: { id: shop.id }, data: { status: 'DELETED' } });
  });
});

describe('the scheduler', () => {
  it('starts one SCHEDULED backup per due instance, never twice, even from two replicas at once', async () => {
    const other = await seedCompany(db.prisma, 'no-policy');
    const nightly = await instance('nightly');
    const optedOut = await instance('opted-out');
    const stranger = await instance('no-policy-shop', other.id);
    const setAt = new Date('2026-11-20T12:00:00Z');
    await db.prisma.backupPolicy.create({ data: { companyId: company.id, schedule: '0 3 * * *', updatedAt: setAt } });
    await db.prisma.backupPolicy.create({ data: { companyId: company.id, instanceId: optedOut.id, enabled: false } });
    const scheduledOf = (instanceId: string) => db.prisma.backup.count({ where: { instanceId, type: 'SCHEDULED' } });

    // Before the first 03:00 after the policy was set: nothing is due.
    expect(await startScheduledBackups({ prisma: db.prisma, pubsub }, new Date('2026-11-21T02:59:00Z'))).toEqual([]);
    // After it, two replicas run the scheduler at the same moment.
    const at = new Date('2026-11-21T03:00:10Z');
    const [first, second] = await Promise.all([
      startScheduledBackups({ prisma: db.prisma, pubsub }, at),
      startScheduledBackups({ prisma: db.prisma, pubsub }, at),
    ]);
    expect(first.length + second.length).toBe(1);
    expect(await scheduledOf(nightly.id)).toBe(1);
    expect(await scheduledOf(optedOut.id)).toBe(0);
    expect(await scheduledOf(stranger.id)).toBe(0);
    const operation = await db.prisma.operation.findFirstOrThrow({ where: { instanceId: nightly.id, kind: 'BACKUP' } });
    expect(operation.status).toBe('PENDING');

    // While that backup runs, the next night's is not started; once it finished, it is.
    const nextNight = new Date('2026-11-22T03:01:00Z');
    expect(await startScheduledBackups({ prisma: db.prisma, pubsub }, nextNight)).toEqual([]);
    await db.prisma.operation.update({ where: { id: operation.id }, data: { status: 'SUCCEEDED' } });
    await db.prisma.backup.updateMany({
      where: { instanceId: nightly.id },
      data: { status: 'COMPLETED', createdAt: new Date('2026-11-21T03:00:10Z') },
    });
    expect(await startScheduledBackups({ prisma: db.prisma, pubsub }, nextNight)).toHaveLength(1);
    expect(await startScheduledBackups({ prisma: db.prisma, pubsub }, new Date('2026-11-22T14:00:00Z'))).toEqual([]);
    expect(await scheduledOf(nightly.id)).toBe(2);
    await db.prisma.backupPolicy.deleteMany();
    await db.prisma.operation.deleteMany();
  });
});

describe('retention', () => {
  it('expires what no tier keeps, keeps locked and manual backups, and removes the stored files', async () => {
    const shop = await instance('retained');
    await db.prisma.backupPolicy.create({
      data: { companyId: company.id, instanceId: shop.id, keepDaily: 2, keepWeekly: 1, keepMonthly: 0 },
    });
    // Nightly scheduled backups of the 10 days up to Tuesday 2026-11-24, each with a file.
    const scheduled = [];
    for (let day = 0; day < 10; day += 1) {
      const createdAt = new Date(Date.UTC(2026, 10, 24 - day, 3));
      const backup = await db.prisma.backup.create({
        data: { companyId: company.id, instanceId: shop.id, type: 'SCHEDULED', status: 'COMPLETED', createdAt },
      });
      const stored = await store.write(backup.id, Readable.from([Buffer.from(`backup of ${createdAt.toISOString()}`)]));
      scheduled.push(await db.prisma.backup.update({ where: { id: backup.id }, data: { storageKey: stored.key } }));
    }
    const lockedOld = scheduled[9]!;
    await gql(SetBackupLockedDocument, { input: { backupId: encodeGlobalID('Backup', lockedOld.id), locked: true } });
    const manual = await db.prisma.backup.create({
      data: {
        companyId: company.id,
        instanceId: shop.id,
        type: 'MANUAL',
        status: 'COMPLETED',
        createdAt: new Date('2025-01-01T00:00:00Z'),
      },
    });
    const manualDue = await db.prisma.backup.create({
      data: {
        companyId: company.id,
        instanceId: shop.id,
        type: 'MANUAL',
        status: 'COMPLETED',
        expiresAt: new Date('2026-11-23T00:00:00Z'),
      },
    });

    const expired = await applyRetention({ prisma: db.prisma, pubsub, store }, new Date('2026-11-24T12:00:00Z'));
    // Kept: the 24th and 23rd (daily), the newest of this ISO week (the 24th again); the
    // locked one. Expired: the 15th to the 22nd, and the manual backup past its expiry.
    const expectedExpired = [...scheduled.slice(2, 9).map((backup) => backup.id), manualDue.id];
    expect(expired.sort()).toEqual(expectedExpired.sort());
    const rows = await db.prisma.backup.findMany({
      where: { instanceId: shop.id },
      select: { id: true, status: true, storageKey: true },
    });
    const statusOf = new Map(rows.map((row) => [row.id, row.status]));
    expect([scheduled[0]!.id, scheduled[1]!.id, lockedOld.id, manual.id].map((id) => statusOf.get(id))).toEqual([
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
    ]);
    for (const backup of scheduled.slice(2, 9)) expect(await store.size(backup.storageKey!)).toBeNull();
    expect(await store.size(lockedOld.storageKey!)).toBeGreaterThan(0);
    // A second pass finds nothing more to do.
    expect(await applyRetention({ prisma: db.prisma, pubsub, store }, new Date('2026-11-24T12:00:00Z'))).toEqual([]);

    // Deleting: refused while locked, done once unlocked.
    const lockedId = encodeGlobalID('Backup', lockedOld.id);
    expect((await gql(DeleteBackupDocument, { input: { backupId: lockedId } })).data?.deleteBackup).toMatchObject({
      __typename: 'ConflictError',
      message: expect.stringMatching(/locked/),
    });
    await gql(SetBackupLockedDocument, { input: { backupId: lockedId, locked: false } });
    expect((await gql(DeleteBackupDocument, { input: { backupId: lockedId } })).data?.deleteBackup).toMatchObject({
      backup: { status: 'EXPIRED' },
    });
    expect(await store.size(lockedOld.storageKey!)).toBeNull();

    // Its file is gone: locking it now is a typed input error, and nothing changes.
    const relock = await gql(SetBackupLockedDocument, { input: { backupId: lockedId, locked: true } });
    expect(relock.data?.setBackupLocked).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [{ path: ['backupId'], message: expect.stringMatching(/EXPIRED/) }],
    });
    expect(await db.prisma.backup.findUniqueOrThrow({ where: { id: lockedOld.id } })).toMatchObject({
      status: 'EXPIRED',
      locked: false,
    });
    // Unlocking stays allowed (it changes nothing that matters).
    expect(
      (await gql(SetBackupLockedDocument, { input: { backupId: lockedId, locked: false } })).data?.setBackupLocked,
    ).toMatchObject({ backup: { locked: false } });
  });

  it('refuses a manual backup expiring in the past', async () => {
    const shop = await instance('expiring');
    const result = await gql(CreateBackupDocument, {
      input: { instanceId: encodeGlobalID('OdooInstance', shop.id), expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(result.data?.createBackup).toMatchObject({ __typename: 'InvalidInputError' });
    expect(await db.prisma.backup.count({ where: { instanceId: shop.id } })).toBe(0);
  });
});
