// The self-hosted provider against the Odoo double: databases as instances, suspension
// by revoking access, streamed backups into local storage, restores that lose nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../src/providers/errors.js';
import { SelfHostedProvider } from '../src/providers/self-hosted/self-hosted-provider.js';
import { createLocalBackupStore } from '../src/services/storage/backup-store.js';
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';
import { rejectionOf } from './support/rejection.js';

let odoo: OdooServerDouble;
let provider: SelfHostedProvider;
let folder: string;
const server = { masterPassword: 'master-secret', adminLogin: 'admin', adminPassword: 'fleet-admin-pw' };

beforeAll(async () => {
  odoo = new OdooServerDouble({ masterPassword: server.masterPassword });
  const url = await odoo.listen();
  folder = await mkdtemp(join(tmpdir(), 'fleet-backups-'));
  provider = new SelfHostedProvider({ url, ...server }, { timeoutMs: 5000 });
});
afterAll(async () => {
  await odoo?.close();
  await rm(folder, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ProviderError);

describe('self-hosted instances', () => {
  it('are databases: created, listed, renamed and dropped', async () => {
    const created = await provider.createInstance({
      name: 'shop',
      database: 'shop',
      version: '17.0',
      subscriptionTier: 'starter',
    });
    expect(created).toMatchObject({
      id: 'shop',
      status: 'running',
      version: '17.0',
      url: expect.stringMatching(/\/web\?db=shop$/),
    });
    expect(await odoo.databases.get('shop')?.users[0]).toMatchObject({ login: 'admin', password: 'fleet-admin-pw' });
    expect(
      (
        await failure(
          provider.createInstance({ name: 'shop', database: 'shop', version: '17.0', subscriptionTier: 'starter' }),
        )
      ).kind,
    ).toBe('conflict');
    await provider.createInstance({ name: 'other', database: 'other', version: '17.0', subscriptionTier: 'starter' });
    expect((await provider.listInstances({ limit: 1 })).nextCursor).toBe('1');
    expect((await provider.updateInstance('other', { name: 'renamed' })).id).toBe('renamed');
    expect((await provider.deleteInstance('renamed')).status).toBe('deleting');
    expect((await failure(provider.getInstance('renamed'))).kind).toBe('not_found');
  });

  it('suspend by deactivating the internal users, and resume exactly those', async () => {
    const database = odoo.databases.get('shop')!;
    database.users.find((user) => user.login === 'demo')!.active = true;
    expect((await provider.suspendInstance('shop')).status).toBe('suspended');
    expect(database.users.map((user) => [user.login, user.active])).toEqual([
      ['admin', true],
      ['demo', false],
      ['portal', true],
    ]);
    expect((await provider.getInstance('shop')).status).toBe('suspended');
    expect((await provider.suspendInstance('shop')).status).toBe('suspended');
    expect((await provider.resumeInstance('shop')).status).toBe('running');
    expect(database.users.every((user) => user.active)).toBe(true);
    expect((await provider.getInstance('shop')).status).toBe('running');
  });

  it('report health, a metrics sample and server logs', async () => {
    expect(await provider.getHealth('shop')).toMatchObject({
      status: 'healthy',
      checks: { http: 'ok', database: 'ok' },
    });
    expect(await provider.getHealth('no-such-db')).toMatchObject({
      status: 'degraded',
      checks: { http: 'ok', database: 'fail' },
    });
    expect((await provider.getMetrics('shop'))[0]).toMatchObject({ activeUsers: 2, cpuPercent: null });
    odoo.databases.get('shop')!.logs.push(
      {
        id: 1,
        type: 'server',
        create_date: '2026-06-01 10:00:00',
        level: 'INFO',
        name: 'odoo.modules.loading',
        message: 'loaded',
      },
      {
        id: 2,
        type: 'server',
        create_date: '2026-06-01 10:00:01',
        level: 'ERROR',
        name: 'odoo.sql_db',
        message: 'bad query',
      },
      {
        id: 3,
        type: 'server',
        create_date: '2026-06-01 10:00:02',
        level: 'CRITICAL',
        name: 'odoo.service',
        message: 'worker died',
      },
    );
    const page = await provider.getLogs('shop', { level: 'error', limit: 1 });
    expect(page.items).toEqual([
      {
        id: '2',
        timestamp: new Date('2026-06-01T10:00:01Z'),
        level: 'error',
        logger: 'odoo.sql_db',
        message: 'bad query',
      },
    ]);
    expect(
      (await provider.getLogs('shop', { level: 'error', limit: 1, cursor: page.nextCursor })).items[0]?.message,
    ).toBe('worker died');
  });

  it('install and upgrade modules over XML-RPC, refusing unknown ones', async () => {
    const states = await provider.installModules('shop', ['sale', 'base']);
    expect(states.map((state) => [state.name, state.state])).toEqual([
      ['base', 'installed'],
      ['sale', 'installed'],
    ]);
    // Only modules on the server's addons path exist: a template's own addon must be imported.
    expect((await failure(provider.installModules('shop', ['fleet_custom']))).message).toMatch(
      /Unknown modules on shop: fleet_custom/,
    );
    expect((await failure(provider.installModules('shop', ['no_such_module']))).message).toMatch(
      /Unknown modules on shop: no_such_module/,
    );
  });

  it("maps Odoo's refusals to typed errors", async () => {
    const wrongMaster = new SelfHostedProvider({ url: provider['server'].url, ...server, masterPassword: 'nope' });
    expect(
      (
        await failure(
          wrongMaster.createInstance({ name: 'xx', database: 'xx', version: '17.0', subscriptionTier: 'starter' }),
        )
      ).kind,
    ).toBe('unauthorized');
    const down = new SelfHostedProvider({ url: 'http://127.0.0.1:9', ...server }, { timeoutMs: 500 });
    expect((await failure(down.getInstance('shop'))).kind).toBe('unavailable');
    expect(await down.getHealth('shop')).toMatchObject({ status: 'down' });
  });
});

describe('self-hosted backups', () => {
  it('are dumps streamed when downloaded, and restore from a file into another database', async () => {
    odoo.databases.get('shop')!.backupBytes = 3 * 1024 * 1024 + 7;
    const backup = await provider.createBackup('shop');
    expect(backup).toMatchObject({ status: 'completed', instanceId: 'shop' });
    expect(await provider.getBackup('shop', backup.id)).toMatchObject({ id: backup.id, status: 'completed' });
    expect((await failure(provider.getBackup('shop', 'other@2026'))).kind).toBe('not_found');

    const stored = await createLocalBackupStore(folder).write(
      'copy.zip',
      await provider.downloadBackup('shop', backup.id),
    );
    expect(stored).toMatchObject({ sizeBytes: 3 * 1024 * 1024 + 7, sha256: odoo.backupSha256('shop') });

    await provider.createInstance({
      name: 'staging',
      database: 'staging',
      version: '17.0',
      subscriptionTier: 'starter',
    });
    await provider.restoreBackupFile('staging', createLocalBackupStore(folder).read('copy.zip'));
    expect(odoo.databases.get('staging')?.restored).toEqual({ bytes: stored.sizeBytes, sha256: stored.sha256 });
    expect(odoo.databases.has('staging--restoring')).toBe(false);
  });

  it('keep the target when a restore fails', async () => {
    const before = odoo.databases.get('staging');
    odoo.listDb = false;
    try {
      expect(
        (await failure(provider.restoreBackupFile('staging', createLocalBackupStore(folder).read('copy.zip')))).kind,
      ).toBe('unauthorized');
      expect((await failure(provider.downloadBackup('shop', 'shop@x'))).message).toMatch(
        /database manager has been disabled/,
      );
    } finally {
      odoo.listDb = true;
    }
    expect(odoo.databases.get('staging')).toBe(before);
  });
});
