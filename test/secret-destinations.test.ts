// Secrets stay bound to the destination they were set for (defects 1-3 of the security
// review): an OPERATOR who points an instance at another repository or Odoo server gets
// an instance waiting for credentials, never the ADMIN's secrets sent to the new host.
// Real git talks to a real HTTP server that records what reaches it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitTargetOf } from '../src/services/deployments/deployments.js';
import {
  BindCredentialsDocument,
  CheckInstanceHealthDocument,
  CreateInstanceWithRepositoryDocument,
  CreateTemplateDocument,
  DeployToDocument,
  MoveInstanceDocument,
  SetInstanceCredentialsDocument,
} from './generated/graphql.js';
import { startFleet, type Fleet } from './support/fleet.js';
import { seedApiKey } from './support/seed.js';
import { execute, startTestServer, testKeyRing, testOperationDeps } from './support/server.js';

/** A host that records every request and answers as a git host does without credentials. */
interface Recorder {
  url: string;
  requests: Array<{ url: string; headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (body += chunk))
      .on('end', () => {
        requests.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const GIT_CREDENTIAL = 'ghp_AdminOnlyToken_4b9e';
const ODOO_PASSWORD = 'odoo-admin-pw-77aa';
let fleet: Fleet;
let recorder: Recorder;
let operatorToken: string;
let templateId: string;

const asAdmin: Fleet['gql'] = (document, variables) => fleet.gql(document, variables);
const asOperator: Fleet['gql'] = (document, variables) =>
  execute(fleet.server.httpUrl, document, { token: operatorToken, variables });

beforeAll(async () => {
  fleet = await startFleet('bound-secrets', { git: testOperationDeps().git });
  recorder = await startRecorder();
  operatorToken = await seedApiKey(fleet.db.prisma, fleet.company.id, 'OPERATOR');
  const template = await asAdmin(CreateTemplateDocument, {
    input: { name: 'Shop', version: '1.0', modules: ['sale'] },
  });
  if (template.data?.createTemplate.__typename !== 'CreateTemplateSuccess') throw new Error(JSON.stringify(template));
  templateId = template.data.createTemplate.template.id;
});
afterAll(async () => {
  await recorder?.close();
  await fleet?.stop();
});

function sawSecret(secret: string): boolean {
  const basic = Buffer.from(`x-access-token:${secret}`).toString('base64');
  return recorder.requests.some((request) =>
    [JSON.stringify(request.headers), request.body].some((text) => text.includes(secret) || text.includes(basic)),
  );
}

describe('a git credential', () => {
  it('is cleared when an OPERATOR moves the repository, and never reaches the new host', async () => {
    const instanceId = await fleet.runningInstance({
      name: 'moved-repo',
      gitRepositoryUrl: 'https://git.example.com/acme/shop.git',
      gitBranch: 'main',
    });
    const set = await asAdmin(SetInstanceCredentialsDocument, {
      input: { instanceId, providerToken: 'instance-token', gitCredential: GIT_CREDENTIAL },
    });
    expect(set.data?.setInstanceCredentials).toMatchObject({ instance: { credentialsConfigured: true } });

    const moved = await asOperator(MoveInstanceDocument, {
      input: { id: instanceId, gitRepositoryUrl: `${recorder.url}/attacker/x.git` },
    });
    expect(moved.data?.updateInstance).toMatchObject({
      __typename: 'UpdateInstanceSuccess',
      instance: {
        credentialsConfigured: false,
        credentialsMessage: expect.stringMatching(/gitCredential.*setInstanceCredentials/),
      },
    });
    recorder.requests.length = 0;
    const deployed = await asOperator(DeployToDocument, { input: { instanceId, templateId } });
    expect(deployed.data?.deployTemplate).toMatchObject({
      __typename: 'ConflictError',
      message: expect.stringMatching(/gitCredential/),
    });
    expect(recorder.requests).toEqual([]);
    expect(sawSecret(GIT_CREDENTIAL)).toBe(false);

    // An admin says the new repository needs no credential: git goes there, without one.
    await asAdmin(BindCredentialsDocument, { input: { instanceId, gitCredential: null } });
    const retried = await asOperator(DeployToDocument, { input: { instanceId, templateId } });
    expect(retried.data?.deployTemplate.__typename).toBe('RepositoryError');
    expect(recorder.requests.length).toBeGreaterThan(0);
    expect(recorder.requests.every((request) => request.headers.authorization === undefined)).toBe(true);
    expect(sawSecret(GIT_CREDENTIAL)).toBe(false);
  });

  it('cannot be opened for another repository even by code that forgets to clear it', async () => {
    const instanceId = await fleet.runningInstance({
      name: 'forgetful',
      gitRepositoryUrl: 'https://git.example.com/acme/forgetful.git',
    });
    await asAdmin(SetInstanceCredentialsDocument, {
      input: { instanceId, providerToken: 'instance-token', gitCredential: GIT_CREDENTIAL },
    });
    const row = await fleet.db.prisma.odooInstance.findFirstOrThrow({ where: { name: 'forgetful' } });
    expect(gitTargetOf(testKeyRing, row).credential).toBe(GIT_CREDENTIAL);
    // Another spelling of the same repository is the same destination.
    expect(
      gitTargetOf(testKeyRing, { ...row, gitRepositoryUrl: 'https://GIT.example.com:443/acme/forgetful/' }).credential,
    ).toBe(GIT_CREDENTIAL);
    for (const elsewhere of [
      'https://git.example.com/acme/other.git',
      'https://git.example.com.attacker.io/acme/forgetful.git',
      'http://git.example.com/acme/forgetful.git',
    ]) {
      expect(() => gitTargetOf(testKeyRing, { ...row, gitRepositoryUrl: elsewhere })).toThrow(/destination changed/);
    }
  });

  it('moves with its repository when one ADMIN call sets both', async () => {
    const instanceId = await fleet.runningInstance({
      name: 'admin-move',
      gitRepositoryUrl: 'https://git.example.com/acme/old.git',
    });
    await asAdmin(SetInstanceCredentialsDocument, {
      input: { instanceId, providerToken: 'instance-token', gitCredential: 'ghp_for_the_old_repository' },
    });
    const newRepository = `${recorder.url}/acme/new.git`;
    const both = await asAdmin(BindCredentialsDocument, {
      input: { instanceId, gitRepositoryUrl: newRepository, gitCredential: GIT_CREDENTIAL },
    });
    expect(both.data?.setInstanceCredentials).toMatchObject({
      instance: { gitRepositoryUrl: newRepository, credentialsConfigured: true, credentialsMessage: null },
    });
    recorder.requests.length = 0;
    await asOperator(DeployToDocument, { input: { instanceId, templateId } });
    expect(sawSecret(GIT_CREDENTIAL)).toBe(true); // bound to the new repository, sent there
    expect(sawSecret('ghp_for_the_old_repository')).toBe(false);
  });

  it('that is awaited is satisfied by setting it again, or by clearing it on purpose', async () => {
    const instanceId = await fleet.runningInstance({
      name: 'awaited',
      gitRepositoryUrl: 'https://git.example.com/acme/a.git',
    });
    await asAdmin(SetInstanceCredentialsDocument, {
      input: { instanceId, providerToken: 'instance-token', gitCredential: GIT_CREDENTIAL },
    });
    await asOperator(MoveInstanceDocument, {
      input: { id: instanceId, gitRepositoryUrl: 'https://git.example.com/acme/b.git' },
    });
    const cleared = await asAdmin(BindCredentialsDocument, { input: { instanceId, gitCredential: null } });
    expect(cleared.data?.setInstanceCredentials).toMatchObject({
      instance: { credentialsConfigured: true, credentialsMessage: null },
    });
    // The same repository written differently is not a move: nothing is cleared.
    await asAdmin(SetInstanceCredentialsDocument, {
      input: { instanceId, providerToken: 'instance-token', gitCredential: GIT_CREDENTIAL },
    });
    const respelled = await asOperator(MoveInstanceDocument, {
      input: { id: instanceId, gitRepositoryUrl: 'https://git.example.com/acme/b' },
    });
    expect(respelled.data?.updateInstance).toMatchObject({ instance: { credentialsConfigured: true } });
  });
});

describe('Odoo passwords of a self-hosted instance', () => {
  it('are cleared when an OPERATOR moves the server URL, and never reach the new server', async () => {
    const instanceId = await fleet.runningInstance(
      { name: 'onprem-moved', deploymentMethod: 'SELF_HOSTED', serverUrl: fleet.odooUrl },
      (id) =>
        asAdmin(SetInstanceCredentialsDocument, {
          input: { instanceId: id, odooLogin: 'admin', odooPassword: ODOO_PASSWORD, masterPassword: 'master-pw' },
        }).then(() => {}),
    );
    const moved = await asOperator(MoveInstanceDocument, { input: { id: instanceId, serverUrl: recorder.url } });
    expect(moved.data?.updateInstance).toMatchObject({
      instance: {
        credentialsConfigured: false,
        credentialsMessage: expect.stringMatching(/masterPassword, odooPassword/),
      },
    });
    await asOperator(CheckInstanceHealthDocument, { input: { instanceId } });
    expect(sawSecret(ODOO_PASSWORD)).toBe(false);
    expect(sawSecret('master-pw')).toBe(false);
    const row = await fleet.db.prisma.odooInstance.findFirstOrThrow({ where: { name: 'onprem-moved' } });
    expect([row.odooPasswordEnc, row.masterPasswordEnc]).toEqual([null, null]);
  });
});

describe('repository URLs', () => {
  it('are https only, and never carry a password (defects 2 and 3)', async () => {
    const strict = await startTestServer(fleet.db.prisma, { repositoryPolicy: { allowInsecureRepositories: false } });
    try {
      const create = (gitRepositoryUrl: string, name: string) =>
        execute(strict.httpUrl, CreateInstanceWithRepositoryDocument, {
          token: fleet.company.token,
          variables: { input: { name, version: '17.0', gitRepositoryUrl } },
        });
      for (const [index, local] of [
        '/srv/git/other-company.git',
        'file:///srv/git/other-company.git',
        'http://git.example.com/acme/shop.git',
      ].entries()) {
        const refused = await create(local, `local-${index}`);
        expect(refused.data?.createInstance).toMatchObject({
          __typename: 'InvalidInputError',
          fieldErrors: [
            {
              path: ['gitRepositoryUrl'],
              message: expect.stringMatching(/https:\/\/.*GIT_ALLOW_INSECURE_REPOSITORIES/),
            },
          ],
        });
      }
      const withPassword = await create('https://deployer:hunter2@git.example.com/acme/shop.git', 'with-password');
      expect(withPassword.data?.createInstance).toMatchObject({
        __typename: 'InvalidInputError',
        fieldErrors: [{ path: ['gitRepositoryUrl'], message: expect.stringMatching(/setInstanceCredentials/) }],
      });
      expect(JSON.stringify(withPassword)).not.toContain('hunter2');
      expect(
        await fleet.db.prisma.odooInstance.count({
          where: { name: { in: ['local-0', 'local-1', 'local-2', 'with-password'] } },
        }),
      ).toBe(0);
      expect((await create('https://git.example.com/acme/shop.git', 'https-ok')).data?.createInstance.__typename).toBe(
        'CreateInstanceSuccess',
      );

      const instance = await fleet.db.prisma.odooInstance.findFirstOrThrow({ where: { name: 'https-ok' } });
      const moved = await execute(strict.httpUrl, MoveInstanceDocument, {
        token: operatorToken,
        variables: {
          input: {
            id: encodeGlobalID('OdooInstance', instance.id),
            gitRepositoryUrl: 'https://user:pw@git.example.com/x.git',
          },
        },
      });
      expect(moved.data?.updateInstance).toMatchObject({
        __typename: 'InvalidInputError',
        fieldErrors: [{ path: ['gitRepositoryUrl'] }],
      });
    } finally {
      await strict.stop();
    }
  });
});
