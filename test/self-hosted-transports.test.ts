// The same self-hosted provider tests through the GraphQL API, over XML-RPC (Odoo 16, 17
// and 18 doubles) and over JSON-2 (Odoo 19 and 20 doubles: how 19+ are
// driven): create, health, metrics, logs, backup, restore, module deployment, suspend
// and resume, delete. Over JSON-2 the fleet makes the admin's API key from the password
// once, keeps it encrypted, and never sends a model call over XML-RPC.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackupStateDocument,
  CheckInstanceHealthDocument,
  CreateBackupDocument,
  CreateTemplateDocument,
  DeleteInstanceDocument,
  DeploymentStateDocument,
  DeployTemplateDocument,
  InstanceStateDocument,
  ResumeInstanceDocument,
  RestoreBackupDocument,
  SelfHostedObservabilityDocument,
  SelfHostedRestoreDocument,
  SetInstanceCredentialsDocument,
  SuspendInstanceDocument,
} from './generated/graphql.js';
import { startFleet, type Fleet } from './support/fleet.js';

const TRANSPORTS = [
  { serie: '16.0', transport: 'XML-RPC', modelCall: /^object\./ },
  { serie: '17.0', transport: 'XML-RPC', modelCall: /^object\./ },
  { serie: '18.0', transport: 'XML-RPC', modelCall: /^object\./ },
  { serie: '19.0', transport: 'JSON-2', modelCall: /^json2\./ },
  // Odoo 20: no XML-RPC db service any more (the double answers no /xmlrpc/2 at all).
  { serie: '20.0', transport: 'JSON-2', modelCall: /^json2\./ },
] as const;

describe.each(TRANSPORTS)(
  'a self-hosted Odoo $serie server, driven over $transport',
  ({ serie, transport, modelCall }) => {
    let fleet: Fleet;
    beforeAll(async () => {
      fleet = await startFleet(`transport-${serie.replace('.', '-')}`, { odooSerie: serie });
    });
    afterAll(async () => {
      await fleet?.stop();
    });

    const selfHosted = (name: string) =>
      fleet.runningInstance(
        { name, version: serie, deploymentMethod: 'SELF_HOSTED', serverUrl: fleet.odooUrl },
        async (id) => {
          await fleet.gql(SetInstanceCredentialsDocument, {
            input: { instanceId: id, odooLogin: 'admin', odooPassword: 'odoo-admin-pw', masterPassword: 'master-pw' },
          });
        },
      );
    const drain = async (rounds = 6) => {
      const work = fleet.worker();
      for (let round = 0; round < rounds; round += 1) await work.drain();
    };
    const observed = async (id: string) => (await fleet.gql(SelfHostedObservabilityDocument, { id })).data!.instance!;
    const status = async (id: string) => (await fleet.gql(InstanceStateDocument, { id })).data?.instance?.status;

    it('creates the database, and reports health, metrics and logs', async () => {
      const before = fleet.odoo.calls.length;
      const id = await selfHosted('watched');
      const database = fleet.odoo.databases.get('watched')!;
      const second = new Date(Date.now() - 1000).toISOString().replace('T', ' ').slice(0, 19);
      database.logs.push({
        id: 1,
        type: 'server',
        create_date: second,
        level: 'WARNING',
        name: 'odoo.http',
        message: 'a line',
      });
      expect(
        (await fleet.gql(CheckInstanceHealthDocument, { input: { instanceId: id } })).data?.checkInstanceHealth
          .__typename,
      ).toBe('CheckInstanceHealthSuccess');
      const seen = await observed(id);
      expect(seen.health).toMatchObject({ status: 'HEALTHY' });
      const [sample] = seen.metrics;
      expect(Object.values(sample!).filter((value) => value !== null).length).toBeGreaterThanOrEqual(5);
      expect(sample).toMatchObject({ activeUsers: 2, installedModules: 2 });
      expect(seen.logs.edges.map((edge) => edge.node.message)).toEqual(['a line']);

      const calls = fleet.odoo.calls.slice(before);
      // The database came from the HTTP manager; every model call went over the version's transport.
      expect(calls).toContain('http./web/database/create');
      const modelCalls = calls.filter((call) => /^(object|json2)\./.test(call));
      expect(modelCalls.length).toBeGreaterThan(5);
      expect(modelCalls.every((call) => modelCall.test(call))).toBe(true);
      expect(calls.some((call) => call.startsWith('db.'))).toBe(false);
    });

    it('backs up and restores into another instance, data included', async () => {
      const source = await selfHosted('books');
      const target = await selfHosted('books-copy');
      fleet.odoo.databases
        .get('books')!
        .partners.set(42, { id: 42, name: 'Customer from production', email: false, parent_id: false, active: true });
      const created = await fleet.gql(CreateBackupDocument, { input: { instanceId: source } });
      if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(created));
      const backupId = created.data.createBackup.backup.id;
      await drain(5);
      expect((await fleet.gql(BackupStateDocument, { id: backupId })).data?.backup?.status).toBe('COMPLETED');

      const storedKey = async () =>
        (await fleet.db.prisma.odooInstance.findUniqueOrThrow({ where: { id: decodeGlobalID(target).id } }))
          .odooApiKeyEnc;
      const keyBefore = await storedKey();
      const requested = await fleet.gql(RestoreBackupDocument, {
        input: { backupId, targetInstanceId: target, confirm: true, safetyBackup: false },
      });
      if (requested.data?.restoreBackup.__typename !== 'RestoreBackupSuccess')
        throw new Error(JSON.stringify(requested));
      await drain(10);
      const restore = (await fleet.gql(SelfHostedRestoreDocument, { id: requested.data.restoreBackup.restore.id })).data
        ?.node;
      expect(restore).toMatchObject({ status: 'COMPLETED', error: null, targetInstance: { status: 'RUNNING' } });
      expect(fleet.odoo.databases.get('books_copy')!.partners.get(42)).toMatchObject({
        name: 'Customer from production',
      });
      expect([...fleet.odoo.databases.keys()].filter((name) => name.startsWith('books_copy'))).toEqual(['books_copy']);
      // The restored database holds the source's users and keys: the target still answers.
      expect(
        (await fleet.gql(CheckInstanceHealthDocument, { input: { instanceId: target } })).data?.checkInstanceHealth
          .__typename,
      ).toBe('CheckInstanceHealthSuccess');
      expect((await observed(target)).health).toMatchObject({ status: 'HEALTHY' });
      // Over JSON-2 the target's own key went with its old database: a new one was made and stored.
      if (transport === 'JSON-2') expect(await storedKey()).not.toBe(keyBefore);
      else expect(await storedKey()).toBeNull();
    });

    it('deploys modules and a data-only addon, reading their versions back', async () => {
      const id = await selfHosted('deployed');
      const manifest =
        "{'name': 'Fleet custom', 'version': '1.0.0', 'depends': ['base'], 'data': ['views/views.xml']}\n";
      const template = await fleet.gql(CreateTemplateDocument, {
        input: {
          name: `addon ${serie}`,
          version: '1.0',
          modules: ['stock', 'fleet_custom'],
          files: [
            { path: 'fleet_custom/__manifest__.py', content: manifest },
            { path: 'fleet_custom/views/views.xml', content: '<odoo/>\n' },
          ],
        },
      });
      if (template.data?.createTemplate.__typename !== 'CreateTemplateSuccess')
        throw new Error(JSON.stringify(template));
      const requested = await fleet.gql(DeployTemplateDocument, {
        input: { instanceId: id, templateId: template.data.createTemplate.template.id },
      });
      if (requested.data?.deployTemplate.__typename !== 'DeployTemplateSuccess')
        throw new Error(JSON.stringify(requested));
      await drain();
      const deployment = (await fleet.gql(DeploymentStateDocument, { id: requested.data.deployTemplate.deployment.id }))
        .data!.deployment!;
      expect(deployment).toMatchObject({
        status: 'SUCCESS',
        log: expect.stringContaining(`fleet_custom: installed ${serie}.1.0.0`),
      });
      const modules = fleet.odoo.databases.get('deployed')!.modules;
      expect(modules.get('stock')?.state).toBe('installed');
      expect(modules.get('fleet_custom')).toMatchObject({ state: 'installed', latest_version: `${serie}.1.0.0` });
    });

    it('suspends, resumes and deletes', async () => {
      const id = await selfHosted('paused');
      const users = () => fleet.odoo.databases.get('paused')!.users;
      expect((await fleet.gql(SuspendInstanceDocument, { input: { id } })).data?.suspendInstance).toMatchObject({
        instance: { status: 'SUSPENDED' },
      });
      expect(users().find((user) => user.login === 'demo')?.active).toBe(false);
      expect(users().find((user) => user.login === 'admin')?.active).toBe(true);
      expect((await fleet.gql(ResumeInstanceDocument, { input: { id } })).data?.resumeInstance).toMatchObject({
        instance: { status: 'RUNNING' },
      });
      expect(users().find((user) => user.login === 'demo')?.active).toBe(true);
      await fleet.gql(DeleteInstanceDocument, { input: { id } });
      await drain(2);
      expect(await status(id)).toBe('DELETED');
      expect(fleet.odoo.databases.has('paused')).toBe(false);
    });

    it('keeps the API key it needs encrypted, made once per instance (JSON-2 only)', async () => {
      const id = await selfHosted('keyed');
      const row = await fleet.db.prisma.odooInstance.findUniqueOrThrow({ where: { id: decodeGlobalID(id).id } });
      const keys = [...fleet.odoo.databases.get('keyed')!.apiKeys.keys()];
      if (transport === 'XML-RPC') {
        expect(row.odooApiKeyEnc).toBeNull();
        expect(keys).toEqual([]);
        return;
      }
      expect(keys).toHaveLength(1);
      expect(row.odooApiKeyEnc).toBeTruthy();
      expect(row.odooApiKeyEnc).not.toContain(keys[0]);
      await fleet.gql(CheckInstanceHealthDocument, { input: { instanceId: id } });
      await fleet.gql(SuspendInstanceDocument, { input: { id } });
      // Later calls use the stored key: no second key was made.
      expect(fleet.odoo.databases.get('keyed')!.apiKeys.size).toBe(1);
    });

    it('uses an API key the user supplies, and refuses one that is not a key', async () => {
      const id = await selfHosted('supplied');
      const refused = await fleet.gql(SetInstanceCredentialsDocument, {
        input: { instanceId: id, odooApiKey: 'not-a-key' },
      });
      expect(refused.data?.setInstanceCredentials).toMatchObject({
        __typename: 'InvalidInputError',
        fieldErrors: [{ path: ['odooApiKey'], message: expect.stringMatching(/40 hexadecimal/) }],
      });
      if (transport === 'XML-RPC') return;
      const database = fleet.odoo.databases.get('supplied')!;
      const supplied = fleet.odoo.addApiKey('supplied');
      expect(
        (await fleet.gql(SetInstanceCredentialsDocument, { input: { instanceId: id, odooApiKey: supplied } })).data
          ?.setInstanceCredentials.__typename,
      ).toBe('SetInstanceCredentialsSuccess');
      // Only the supplied key is left on the server: the fleet must use it, and makes no other.
      for (const key of [...database.apiKeys.keys()]) if (key !== supplied) database.apiKeys.delete(key);
      await fleet.gql(CheckInstanceHealthDocument, { input: { instanceId: id } });
      expect((await observed(id)).health).toMatchObject({ status: 'HEALTHY' });
      expect([...database.apiKeys.keys()]).toEqual([supplied]);
    });
  },
);
