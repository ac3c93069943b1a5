// Self-hosted Odoo servers driven through the GraphQL API against the Odoo double:
// health that tells the truth (a refused login is DEGRADED, a stopped server DOWN);
// backups that are verified before they are restored, and restores that bring the data.
import { Readable } from 'node:stream';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackupStateDocument,
  CheckInstanceHealthDocument,
  CreateBackupDocument,
  CreateInstanceDocument,
  FleetEventsDocument,
  InstanceStateDocument,
  RestoreBackupDocument,
  SelfHostedBackupDocument,
  SelfHostedObservabilityDocument,
  SelfHostedRestoreDocument,
  SetInstanceCredentialsDocument,
  SuspendInstanceDocument,
} from './generated/graphql.js';
import { startFleet, type Fleet } from './support/fleet.js';
import { OdooServerDouble } from './support/odoo-double.js';
import { wsClient } from './support/server.js';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet('onprem-fleet');
});
afterAll(async () => {
  await fleet?.stop();
});

/** A self-hosted instance on `serverUrl`, created by the fleet and RUNNING. */
function selfHosted(name: string, serverUrl: string, passwords = { odoo: 'odoo-admin-pw', master: 'master-pw' }) {
  return fleet.runningInstance({ name, version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl }, async (id) => {
    await fleet.gql(SetInstanceCredentialsDocument, { input: { instanceId: id, odooLogin: 'admin', odooPassword: passwords.odoo, masterPassword: passwords.master } });
  });
}

async function observed(id: string) {
  const result = await fleet.gql(SelfHostedObservabilityDocument, { id });
  if (!result.data?.instance) throw new Error(JSON.stringify(result));
  return result.data.instance;
}

async function checkHealth(id: string) {
  const result = await fleet.gql(CheckInstanceHealthDocument, { input: { instanceId: id } });
  expect(result.data?.checkInstanceHealth.__typename).toBe('CheckInstanceHealthSuccess');
}

describe('health of a self-hosted instance', () => {
  it('is DEGRADED when Odoo refuses the login and DOWN when the server stops, each a sample and a HEALTH event', async () => {
    const odoo = new OdooServerDouble({ masterPassword: 'master-pw' });
    const url = await odoo.listen();
    try {
      const id = await selfHosted('health-watch', url);
      const events: Array<{ kind: string; status: string }> = [];
      const client = wsClient(fleet.server.wsUrl, fleet.company.token, true);
      client.subscribe({ query: print(FleetEventsDocument) }, {
        next: (value) => events.push((value.data as { fleetEvents: { kind: string; status: string } }).fleetEvents),
        error: () => {},
        complete: () => {},
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await checkHealth(id);
        expect((await observed(id)).health).toMatchObject({ status: 'HEALTHY' });
        // With the login working, the same poll also brings a metrics sample.
        expect((await observed(id)).metrics.length).toBeGreaterThan(0);

        // Someone changes the admin password on the server: Odoo still answers, but refuses us.
        odoo.databases.get('health_watch')!.users[0]!.password = 'changed-by-someone';
        await checkHealth(id);
        const degraded = await observed(id);
        expect(degraded.health).toMatchObject({ status: 'DEGRADED', checks: expect.arrayContaining([{ name: 'http', ok: true }, { name: 'database', ok: false }]) });

        await odoo.close();
        await checkHealth(id);
        const down = await observed(id);
        expect(down.health).toMatchObject({ status: 'DOWN' });
        expect(down.healthHistory.edges.map((edge) => edge.node.status)).toEqual(['DOWN', 'DEGRADED', 'HEALTHY']);
        await expect.poll(() => events.filter((event) => event.kind === 'HEALTH').map((event) => event.status)).toEqual(['HEALTHY', 'DEGRADED', 'DOWN']);
      } finally {
        await client.dispose();
      }
    } finally {
      await odoo.close();
    }
  });
});

async function completedBackup(instanceId: string): Promise<{ id: string; key: string }> {
  const created = await fleet.gql(CreateBackupDocument, { input: { instanceId } });
  if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(created));
  const { id } = created.data.createBackup.backup;
  const work = fleet.worker();
  const status = async () => (await fleet.gql(BackupStateDocument, { id })).data?.backup?.status;
  for (let round = 0; round < 5 && (await status()) !== 'COMPLETED'; round += 1) await work.drain();
  expect(await status()).toBe('COMPLETED');
  return { id, key: decodeGlobalID(id).id };
}

/** Runs a restore until it ends; answers its state and how many times its restore step ran. */
async function restored(backupId: string, targetInstanceId: string) {
  const requested = await fleet.gql(RestoreBackupDocument, { input: { backupId, targetInstanceId, confirm: true, safetyBackup: false } });
  if (requested.data?.restoreBackup.__typename !== 'RestoreBackupSuccess') throw new Error(JSON.stringify(requested));
  const { id } = requested.data.restoreBackup.restore;
  const work = fleet.worker();
  const state = async () => {
    const node = (await fleet.gql(SelfHostedRestoreDocument, { id })).data?.node;
    if (node?.__typename !== 'Restore') throw new Error(`no restore ${id}`);
    return node;
  };
  for (let round = 0; round < 10 && !['COMPLETED', 'FAILED'].includes((await state()).status); round += 1) await work.drain();
  const operation = await fleet.db.prisma.operation.findFirstOrThrow({ where: { subjectId: decodeGlobalID(id).id } });
  return { ...(await state()), attempts: operation.attempts };
}

describe('restores into a self-hosted instance', () => {
  let source: string;
  let target: string;
  beforeAll(async () => {
    source = await selfHosted('books-live', fleet.odooUrl);
    target = await selfHosted('books-copy', fleet.odooUrl);
  });

  it('bring back the dumped data: a real zip dump round-trips', async () => {
    fleet.odoo.databases.get('books_live')!.partners.set(42, { id: 42, name: 'Customer from production', email: false, parent_id: false, active: true });
    const backup = await completedBackup(source);
    const restore = await restored(backup.id, target);
    expect(restore).toMatchObject({ status: 'COMPLETED', error: null, targetInstance: { status: 'RUNNING' } });
    expect(fleet.odoo.databases.get('books_copy')!.partners.get(42)).toMatchObject({ name: 'Customer from production' });
    expect([...fleet.odoo.databases.keys()].filter((name) => name.startsWith('books_copy'))).toEqual(['books_copy']);
  });

  it('never send a stored copy that fails its checksum', async () => {
    const backup = await completedBackup(source);
    const bytes = Buffer.concat(await Readable.from(fleet.store.read(backup.key)).toArray());
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    await fleet.store.write(backup.key, Readable.from([bytes]));
    const uploadsBefore = fleet.odoo.calls.filter((call) => call === 'http./web/database/restore').length;

    const restore = await restored(backup.id, target);
    expect(restore).toMatchObject({ status: 'FAILED', attempts: 1, targetInstance: { status: 'RUNNING' } });
    expect(restore.error).toMatch(/^Not restored: the stored copy of the backup is damaged \(sha256 [0-9a-f]{64}, recorded [0-9a-f]{64}\)$/);
    expect(fleet.odoo.calls.filter((call) => call === 'http./web/database/restore').length).toBe(uploadsBefore);
  });

  it('fail at once with Odoo\'s own words when Odoo refuses the dump, dropping what it left behind', async () => {
    const backup = await completedBackup(source);
    // A dump damaged before its checksum was taken: only Odoo can tell.
    const bytes = Buffer.concat(await Readable.from(fleet.store.read(backup.key)).toArray());
    bytes[200] = bytes[200]! ^ 0xff;
    const stored = await fleet.store.write(backup.key, Readable.from([bytes]));
    await fleet.db.prisma.backup.update({ where: { id: backup.key }, data: { checksumSha256: stored.sha256 } });
    const before = fleet.odoo.databases.get('books_copy');

    const restore = await restored(backup.id, target);
    expect(restore).toMatchObject({ status: 'FAILED', attempts: 1, targetInstance: { status: 'RUNNING', statusMessage: expect.stringMatching(/^Restore failed: /) } });
    expect(restore.error).toMatch(/Database restore error: Couldn't restore database$/);
    expect(fleet.odoo.databases.get('books_copy')).toBe(before);
    expect([...fleet.odoo.databases.keys()].filter((name) => name.startsWith('books_copy'))).toEqual(['books_copy']);
  });
});

describe('messages of a self-hosted instance', () => {
  it('say why a creation or a backup waits while the server is unreachable, and a refused login is a ProviderAuthError', async () => {
    const odoo = new OdooServerDouble({ masterPassword: 'master-pw' });
    const url = await odoo.listen();
    const port = Number(new URL(url).port);
    await odoo.close();
    try {
      const created = await fleet.gql(CreateInstanceDocument, { input: { name: 'far-away', version: '17.0', deploymentMethod: 'SELF_HOSTED', serverUrl: url } });
      if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
      const { id } = created.data.createInstance.instance;
      await fleet.gql(SetInstanceCredentialsDocument, { input: { instanceId: id, odooLogin: 'admin', odooPassword: 'odoo-admin-pw', masterPassword: 'master-pw' } });
      const work = fleet.worker();
      await work.drain();
      const instance = async () => (await fleet.gql(InstanceStateDocument, { id })).data!.instance!;
      expect(await instance()).toMatchObject({ status: 'CREATING', statusMessage: expect.stringMatching(/^Waiting for the provider, will retry: .*ECONNREFUSED/) });

      await odoo.listen(port);
      await work.drain();
      expect(await instance()).toMatchObject({ status: 'RUNNING', statusMessage: null });

      await odoo.close();
      const requested = await fleet.gql(CreateBackupDocument, { input: { instanceId: id } });
      if (requested.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(requested));
      const backupId = requested.data.createBackup.backup.id;
      await work.drain();
      expect((await fleet.gql(SelfHostedBackupDocument, { id: backupId })).data?.backup).toMatchObject({
        status: 'PENDING',
        statusMessage: expect.stringMatching(/^Waiting for the provider, will retry: .*ECONNREFUSED/),
      });

      await odoo.listen(port);
      for (let round = 0; round < 4; round += 1) await work.drain();
      expect((await fleet.gql(SelfHostedBackupDocument, { id: backupId })).data?.backup).toMatchObject({ status: 'COMPLETED', statusMessage: null });

      odoo.databases.get('far_away')!.users[0]!.password = 'changed-on-the-server';
      const suspended = await fleet.gql(SuspendInstanceDocument, { input: { id } });
      expect(suspended.data?.suspendInstance).toMatchObject({ __typename: 'ProviderAuthError', message: expect.stringMatching(/refused the login "admin"/) });
    } finally {
      await odoo.close();
    }
  });
});
