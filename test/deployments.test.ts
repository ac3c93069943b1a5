// Template deployments with real git: a bare repository on disk is the instance's
// remote, the Odoo.sh simulator deploys what was pushed (and fails commits carrying its
// FAIL_DEPLOY marker), and a graphql-ws client follows each deployment to its end.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitPublisher } from '../src/services/deployments/git-publisher.js';
import {
  CancelDeploymentDocument,
  CreateTemplateDocument,
  DeploymentStateDocument,
  DeploymentStatusDocument,
  DeployTemplateDocument,
  RedeployDocument,
  SetBackupPolicyDocument,
  SetInstanceCredentialsDocument,
  UpdateTemplateDocument,
} from './generated/graphql.js';
import { startFleet, type Fleet } from './support/fleet.js';
import { testOperationDeps, wsClient } from './support/server.js';

let fleet: Fleet;
let db: Fleet['db'];
let sim: Fleet['sim'];
let odoo: Fleet['odoo'];
let odooUrl: string;
let folder: string;
let server: Fleet['server'];
let company: Fleet['company'];
const { git } = testOperationDeps();

const sh = (args: string[], cwd?: string) =>
  execFileSync('git', args, { cwd, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } })
    .toString()
    .trim();

/** A bare repository with one commit on `main` (a README), as a customer's repo would be. */
async function remoteRepository(name: string): Promise<string> {
  const bare = join(folder, `${name}.git`);
  sh(['init', '-q', '--bare', '--initial-branch=main', bare]);
  const work = join(folder, `${name}-seed`);
  sh(['clone', '-q', bare, work]);
  execFileSync('sh', ['-c', 'echo "# customer repo" > README.md'], { cwd: work });
  sh(['add', 'README.md'], work);
  sh(['-c', 'user.name=Customer', '-c', 'user.email=c@example.com', 'commit', '-q', '-m', 'Initial commit'], work);
  sh(['push', '-q', 'origin', 'HEAD:refs/heads/main'], work);
  return bare;
}

beforeAll(async () => {
  fleet = await startFleet('deployers', { git });
  ({ db, sim, odoo, odooUrl, folder, server, company } = fleet);
});
afterAll(async () => {
  await fleet?.stop();
});

const gql: Fleet['gql'] = (document, variables) => fleet.gql(document, variables);
const worker: Fleet['worker'] = (overrides) => fleet.worker(overrides);
const runningInstance: Fleet['runningInstance'] = (input, setup) => fleet.runningInstance(input, setup);

const manifest = (name: string) =>
  `# -*- coding: utf-8 -*-\n{\n    'name': "${name}",\n    'version': '17.0.1.0.0',\n    'depends': ['base', 'sale'],\n    'data': ['views/views.xml'],\n    'installable': True,\n}\n`;

async function template(name: string, extraFiles: Array<{ path: string; content: string }> = []): Promise<string> {
  const created = await gql(CreateTemplateDocument, {
    input: {
      name,
      version: '1.0',
      modules: ['sale', 'fleet_custom'],
      files: [
        { path: 'fleet_custom/__manifest__.py', content: manifest(name) },
        { path: 'fleet_custom/__init__.py', content: 'from . import models\n' },
        { path: 'fleet_custom/models/__init__.py', content: '' },
        { path: 'fleet_custom/views/views.xml', content: '<odoo/>\n' },
        ...extraFiles,
      ],
    },
  });
  if (created.data?.createTemplate.__typename !== 'CreateTemplateSuccess') throw new Error(JSON.stringify(created));
  return created.data.createTemplate.template.id;
}

async function deploymentState(id: string) {
  return (await gql(DeploymentStateDocument, { id })).data!.deployment!;
}

/** Drives the worker and the simulator's clock until the deployments end. */
async function finish(ids: string[], work = worker()) {
  for (let round = 0; round < 30; round += 1) {
    const states = await Promise.all(ids.map(deploymentState));
    if (states.every((state) => ['SUCCESS', 'FAILED', 'CANCELLED'].includes(state.status))) return states;
    await work.drain();
    sim.advance(1000);
  }
  throw new Error('deployments did not end');
}

function deploy(instanceId: string, templateId: string, extra: { queue?: boolean } = {}) {
  return gql(DeployTemplateDocument, { input: { instanceId, templateId, ...extra } });
}

function deploymentId(result: Awaited<ReturnType<typeof deploy>>): string {
  if (result.data?.deployTemplate.__typename !== 'DeployTemplateSuccess') throw new Error(JSON.stringify(result));
  return result.data.deployTemplate.deployment.id;
}

describe('templates', () => {
  it('are checked as Odoo would read them', async () => {
    const bad = await gql(CreateTemplateDocument, {
      input: {
        name: 'broken',
        version: 'one',
        modules: ['Sale Module'],
        files: [
          { path: 'good_addon/__manifest__.py', content: "{'name': 'x',, }" },
          { path: '../escape/evil.py', content: '' },
          { path: 'no_manifest/models.py', content: '' },
        ],
      },
    });
    expect(bad.data?.createTemplate.__typename).toBe('InvalidInputError');
    const problems =
      bad.data?.createTemplate.__typename === 'InvalidInputError'
        ? bad.data.createTemplate.fieldErrors.map((error) => error.path.join('.'))
        : [];
    expect(problems).toEqual(
      expect.arrayContaining(['version', 'modules.0', 'files.0.content', 'files.1.path', 'files']),
    );
    expect(await db.prisma.template.count()).toBe(0);

    const id = await template('Sales pack');
    const duplicate = await gql(CreateTemplateDocument, {
      input: { name: 'Sales pack', version: '1.0', modules: ['sale'] },
    });
    expect(duplicate.data?.createTemplate.__typename).toBe('ConflictError');
    const updated = await gql(UpdateTemplateDocument, {
      input: { id, version: '1.1', files: [{ path: 'fleet_custom/__manifest__.py', content: manifest('Sales pack') }] },
    });
    expect(updated.data?.updateTemplate).toMatchObject({
      template: { version: '1.1', files: [{ path: 'fleet_custom/__manifest__.py' }] },
    });
  });
});

describe('git deployments to Odoo.sh', () => {
  it('push the template, follow the provider to SUCCESS live, and record the commit on the instance', async () => {
    const remote = await remoteRepository('shop');
    const instanceId = await runningInstance({ name: 'git-shop', gitRepositoryUrl: remote, gitBranch: 'main' });
    const templateId = await template('Shop addons');
    const id = deploymentId(await deploy(instanceId, templateId));

    const seen: string[] = [];
    let completed = false;
    const client = wsClient(server.wsUrl, company.token, true);
    client.subscribe(
      { query: print(DeploymentStatusDocument), variables: { deploymentId: id } },
      {
        next: (value) => seen.push((value.data as { deploymentStatus: { status: string } }).deploymentStatus.status),
        error: (error) => seen.push(`error: ${JSON.stringify(error)}`),
        complete: () => (completed = true),
      },
    );
    await expect.poll(() => seen.length).toBe(1);

    const done = (await finish([id]))[0]!;
    await expect.poll(() => completed).toBe(true);
    await client.dispose();
    // Each status once: log lines added at the same status send nothing (issue 17).
    expect(seen).toEqual(['PENDING', 'QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS']);
    expect(done.statusHistory.map((change) => change.status)).toEqual([
      'PENDING',
      'QUEUED',
      'BUILDING',
      'DEPLOYING',
      'SUCCESS',
    ]);
    expect(done).toMatchObject({
      status: 'SUCCESS',
      error: null,
      commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
      instance: { gitCommitHash: done.commitHash },
    });

    // The remote has the commit on the branch, with the files, the author and the trailer.
    expect(sh(['--git-dir', remote, 'rev-parse', 'main'])).toBe(done.commitHash);
    expect(sh(['--git-dir', remote, 'ls-tree', '-r', '--name-only', 'main']).split('\n')).toEqual([
      'README.md',
      'fleet_custom/__init__.py',
      'fleet_custom/__manifest__.py',
      'fleet_custom/models/__init__.py',
      'fleet_custom/views/views.xml',
    ]);
    expect(sh(['--git-dir', remote, 'show', 'main:fleet_custom/__manifest__.py'])).toBe(manifest('Shop addons').trim());
    expect(sh(['--git-dir', remote, 'log', '-1', '--format=%an <%ae>|%s|%b', 'main'])).toBe(
      `Fleet Test <fleet@test.invalid>|Deploy template Shop addons 1.0|Modules: sale, fleet_custom\n\nFleet-Deployment: ${decodeGlobalID(id).id}`,
    );
    expect(sh(['--git-dir', remote, 'rev-list', '--count', 'main'])).toBe('2');
  });

  it("end FAILED with the provider's reason; a rollback makes the branch match the last success, once even across a kill -9, and the next deployment builds on it", async () => {
    const remote = await remoteRepository('fragile');
    const instanceId = await runningInstance({ name: 'fragile', gitRepositoryUrl: remote, gitBranch: 'main' });
    const good = deploymentId(await deploy(instanceId, await template('Good')));
    const [goodState] = await finish([good]);
    const bad = deploymentId(
      await deploy(instanceId, await template('Bad', [{ path: 'fleet_custom/FAIL_DEPLOY', content: 'marker\n' }])),
    );
    const [badState] = await finish([bad]);
    expect(badState).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/FAIL_DEPLOY/),
      finishedAt: expect.any(String),
    });
    expect(badState!.statusHistory.map((change) => change.status)).toEqual(['PENDING', 'QUEUED', 'BUILDING', 'FAILED']);
    expect(badState!.instance.gitCommitHash).toBe(goodState!.commitHash);

    const rollback = await gql(RedeployDocument, { input: { deploymentId: good } });
    if (rollback.data?.redeploy.__typename !== 'RedeploySuccess') throw new Error(JSON.stringify(rollback));
    const rollbackId = rollback.data.redeploy.deployment.id;
    // The worker pushes the rollback commit, then "dies" (kill -9) before recording it.
    let pushed = false;
    const dying: GitPublisher = {
      probe: (target) => git.probe(target),
      publish: (request) => git.publish(request),
      restore: async (request) => {
        await git.restore(request);
        pushed = true;
        return new Promise(() => {});
      },
    };
    const doomed = worker({ git: dying, leaseMs: 300 });
    await doomed.drain(); // start
    void doomed.drain(); // revert: never returns
    await expect.poll(() => pushed, { timeout: 10_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the lease expires

    const [rolledBack] = await finish([rollbackId]);
    expect(rolledBack).toMatchObject({ status: 'SUCCESS', log: expect.stringMatching(/already pushed/) });
    // The branch now matches what runs: one revert commit on top, with the good commit's files.
    const head = sh(['--git-dir', remote, 'rev-parse', 'main']);
    expect(rolledBack!.commitHash).toBe(head);
    expect(rolledBack!.instance.gitCommitHash).toBe(head);
    expect(sh(['--git-dir', remote, 'rev-parse', `${head}^{tree}`])).toBe(
      sh(['--git-dir', remote, 'rev-parse', `${goodState!.commitHash}^{tree}`]),
    );
    expect(sh(['--git-dir', remote, 'rev-list', '--count', 'main'])).toBe('4');
    const trailers = sh([
      '--git-dir',
      remote,
      'log',
      'main',
      '--format=%H',
      '--fixed-strings',
      `--grep=Fleet-Deployment: ${decodeGlobalID(rollbackId).id}`,
    ]);
    expect(trailers.split('\n').filter(Boolean)).toHaveLength(1);

    // The next deployment builds on the good state: none of the failing change comes back.
    const next = deploymentId(await deploy(instanceId, await template('Next')));
    const [nextState] = await finish([next]);
    expect(nextState).toMatchObject({ status: 'SUCCESS' });
    const files = sh(['--git-dir', remote, 'ls-tree', '-r', '--name-only', nextState!.commitHash!]).split('\n');
    expect(files.some((file) => file.endsWith('FAIL_DEPLOY'))).toBe(false);
    expect(sh(['--git-dir', remote, 'rev-parse', `${nextState!.commitHash}^`])).toBe(head);
  });

  it('requested at once are serialized: two commits, in order; without queueing the second is a conflict', async () => {
    const remote = await remoteRepository('busy');
    const instanceId = await runningInstance({ name: 'busy-shop', gitRepositoryUrl: remote, gitBranch: 'main' });
    const [first, second] = await Promise.all([template('First'), template('Second')]);
    const refused = await Promise.all([deploy(instanceId, first), deploy(instanceId, second)]);
    expect(refused.map((result) => result.data?.deployTemplate.__typename).sort()).toEqual([
      'ConflictError',
      'DeployTemplateSuccess',
    ]);
    await finish(
      refused.filter((result) => result.data?.deployTemplate.__typename === 'DeployTemplateSuccess').map(deploymentId),
    );

    const queued = await Promise.all([
      deploy(instanceId, first, { queue: true }),
      deploy(instanceId, second, { queue: true }),
    ]);
    const ids = queued.map(deploymentId);
    const states = await finish(ids);
    expect(states.map((state) => state.status)).toEqual(['SUCCESS', 'SUCCESS']);
    const rows = await db.prisma.deployment.findMany({
      where: { id: { in: ids.map((id) => decodeGlobalID(id).id) } },
      orderBy: { createdAt: 'asc' },
    });
    // The later request's commit sits on top of the earlier one's.
    expect(sh(['--git-dir', remote, 'rev-parse', `${rows[1]!.commitHash}^`])).toBe(rows[0]!.commitHash);
    expect(sh(['--git-dir', remote, 'rev-parse', 'main'])).toBe(rows[1]!.commitHash);
    expect(rows[1]!.startedAt!.getTime()).toBeGreaterThanOrEqual(rows[0]!.finishedAt!.getTime());
  });

  it('interrupted after the push continues without pushing twice', async () => {
    const remote = await remoteRepository('phoenix');
    const instanceId = await runningInstance({ name: 'phoenix-git', gitRepositoryUrl: remote, gitBranch: 'main' });
    const id = deploymentId(await deploy(instanceId, await template('Phoenix')));
    let pushed = false;
    // This worker pushes, then its process "dies" before recording anything.
    const dying: GitPublisher = {
      probe: (target) => git.probe(target),
      restore: (request) => git.restore(request),
      publish: async (request) => {
        await git.publish(request);
        pushed = true;
        return new Promise(() => {});
      },
    };
    const doomed = worker({ git: dying, leaseMs: 300 });
    await doomed.drain(); // start: its turn has come, no backup asked for
    void doomed.drain(); // push: never returns
    await expect.poll(() => pushed, { timeout: 10_000 }).toBe(true);
    expect((await deploymentState(id)).commitHash).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 400)); // the lease expires

    const [done] = await finish([id]);
    expect(done).toMatchObject({ status: 'SUCCESS', log: expect.stringMatching(/already pushed/) });
    expect(sh(['--git-dir', remote, 'rev-list', '--count', 'main'])).toBe('2');
    expect(sh(['--git-dir', remote, 'rev-parse', 'main'])).toBe(done!.commitHash);
    const providerDeployments = [...sim.simulator.deployments.values()].filter(
      (deployment) => deployment.commit === done!.commitHash,
    );
    expect(providerDeployments).toHaveLength(1);
  });

  it('to a repository that cannot be reached give a typed error without credentials, and record nothing', async () => {
    const instanceId = await runningInstance({
      name: 'unreachable',
      gitRepositoryUrl: 'https://127.0.0.1:9/acme/odoo.git',
      gitBranch: 'main',
    });
    await gql(SetInstanceCredentialsDocument, { input: { instanceId, gitCredential: 'ghp_TopSecretToken123' } });
    const before = await db.prisma.deployment.count();
    const result = await deploy(instanceId, await template('Nowhere'));
    expect(result.data?.deployTemplate).toMatchObject({
      __typename: 'RepositoryError',
      kind: 'unreachable',
      message: expect.stringMatching(/Could not reach the repository/),
    });
    const text = JSON.stringify(result);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ghp_TopSecretToken123');
    expect(text).not.toContain(Buffer.from('x-access-token:ghp_TopSecretToken123').toString('base64'));
    expect(await db.prisma.deployment.count()).toBe(before);
    const audit = await db.prisma.auditEvent.findMany({ where: { operation: 'deployTemplate' } });
    expect(JSON.stringify(audit)).not.toContain('hunter2');
  });

  it('take the backup the policy asks for first, and can be cancelled while waiting', async () => {
    const remote = await remoteRepository('careful');
    const instanceId = await runningInstance({ name: 'careful', gitRepositoryUrl: remote, gitBranch: 'main' });
    await gql(SetBackupPolicyDocument, { input: { instanceId, enabled: false, backupBeforeDeploy: true } });
    const templateId = await template('Careful');
    const first = deploymentId(await deploy(instanceId, templateId));
    const waiting = deploymentId(await deploy(instanceId, templateId, { queue: true }));
    expect(
      (await gql(CancelDeploymentDocument, { input: { deploymentId: waiting } })).data?.cancelDeployment,
    ).toMatchObject({ deployment: { status: 'CANCELLED' } });
    const [done, cancelled] = await finish([first, waiting]);
    expect(done!.status).toBe('SUCCESS');
    expect(cancelled!.status).toBe('CANCELLED');
    const row = await db.prisma.deployment.findUniqueOrThrow({
      where: { id: decodeGlobalID(first).id },
      include: { backup: true },
    });
    expect(row.backup).toMatchObject({ type: 'PRE_DEPLOYMENT', status: 'COMPLETED' });
    expect(sh(['--git-dir', remote, 'rev-list', '--count', 'main'])).toBe('2'); // the cancelled one pushed nothing
    expect(
      (await gql(CancelDeploymentDocument, { input: { deploymentId: first } })).data?.cancelDeployment.__typename,
    ).toBe('ConflictError');
  });
});

describe('XML-RPC deployments to a self-hosted server', () => {
  it("import the template's own addons, then install the other modules, reporting each", async () => {
    const instanceId = await runningInstance(
      { name: 'onprem-deploy', deploymentMethod: 'SELF_HOSTED', serverUrl: odooUrl },
      (id) =>
        gql(SetInstanceCredentialsDocument, {
          input: { instanceId: id, odooLogin: 'admin', odooPassword: 'pw', masterPassword: 'master-pw' },
        }).then(() => {}),
    );
    // Data-only addons: a self-hosted server without a repository cannot take Python code.
    const created = await gql(CreateTemplateDocument, {
      input: {
        name: 'On premise',
        version: '1.0',
        modules: ['sale', 'fleet_custom'],
        files: [
          { path: 'fleet_custom/__manifest__.py', content: manifest('On premise') },
          { path: 'fleet_custom/views/views.xml', content: '<odoo/>\n' },
        ],
      },
    });
    if (created.data?.createTemplate.__typename !== 'CreateTemplateSuccess') throw new Error(JSON.stringify(created));
    const result = await deploy(instanceId, created.data.createTemplate.template.id);
    expect(result.data?.deployTemplate).toMatchObject({ deployment: { strategy: 'XMLRPC' } });
    const [done] = await finish([deploymentId(result)]);
    expect(done).toMatchObject({
      status: 'SUCCESS',
      log: expect.stringMatching(
        /Importing fleet_custom through Odoo's module import[\s\S]*fleet_custom: installed 17\.0\.1\.0\.0[\s\S]*sale: installed/,
      ),
    });
    const modules = odoo.databases.get('onprem_deploy')!.modules;
    expect([modules.get('sale')?.state, modules.get('fleet_custom')?.state]).toEqual(['installed', 'installed']);
  });
});
