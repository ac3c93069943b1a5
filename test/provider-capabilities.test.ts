// What each provider declares it can do, and what the API answers when it cannot: every
// capability has a call of the API that needs it, and a provider lacking it makes that call
// answer UnsupportedError, with nothing recorded or sent to the provider.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OdooInstance } from '../src/generated/prisma/client.js';
import { CAPABILITIES, type Capability, type ProviderDescriptor } from '../src/providers/descriptor.js';
import { builtInProviders, createProviderRegistry } from '../src/providers/registry.js';
import {
  CancelForCapabilityDocument,
  DeployForCapabilityDocument,
  RedeployForCapabilityDocument,
  RestoreForCapabilityDocument,
  ResumeForCapabilityDocument,
  SuspendForCapabilityDocument,
} from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, TEST_PROVIDER_BASE_URL, testKeyRing, type TestServer } from './support/server.js';

/** The providers the server serves; a test swaps one for a variant lacking a capability. */
const served: ProviderDescriptor[] = [...builtInProviders];
let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'capabilities');
  // Nothing answers at the provider's address: a call that got through would fail loudly.
  const providers = createProviderRegistry({
    keyRing: testKeyRing,
    odooShBaseUrl: TEST_PROVIDER_BASE_URL,
    odooShDefaultToken: 'token',
    timeoutMs: 500,
    descriptors: served,
  });
  server = await startTestServer(db.prisma, { providers });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('declared capabilities', () => {
  it('are the only way the code tells providers apart: no deployment method is compared outside the registry', async () => {
    const root = join(import.meta.dirname, '..', 'src');
    const files = (await readdir(root, { recursive: true })).filter(
      (file) => file.endsWith('.ts') && !file.startsWith('generated'),
    );
    const comparisons: string[] = [];
    for (const file of files) {
      if (file === join('providers', 'registry.ts')) continue;
      const text = await readFile(join(root, file), 'utf8');
      for (const [index, line] of text.split('\n').entries()) {
        if (/deploymentMethod\s*[!=]==|DeploymentMethod\./.test(line)) comparisons.push(`${file}:${index + 1}`);
      }
    }
    expect(files.length).toBeGreaterThan(100);
    expect(comparisons).toEqual([]);
  });

  it('lists what each built-in provider can do', () => {
    expect(
      Object.fromEntries(builtInProviders.map((provider) => [provider.method, [...provider.capabilities].sort()])),
    ).toEqual({
      ODOO_SH: ['cancelDeployment', 'deployByGit', 'neutralize', 'restoreIntoAnotherInstance', 'suspend'],
      SELF_HOSTED: [
        'cancelDeployment',
        'deployByGit',
        'deployByModuleInstall',
        'neutralize',
        'restoreIntoAnotherInstance',
        'restoreStoredCopies',
        'suspend',
      ],
    });
    expect(
      builtInProviders.map((provider) => [
        provider.method,
        provider.suspendsNatively,
        provider.forwardsSettings,
        provider.needsServerUrl,
      ]),
    ).toEqual([
      ['ODOO_SH', true, true, false],
      ['SELF_HOSTED', false, false, true],
    ]);
  });
});

const gid = (type: string, id: string) => encodeGlobalID(type, id);
const gql = <R, V>(document: TypedDocumentNode<R, V>, variables: V) =>
  execute(server.httpUrl, document, { token: company.token, variables });

let instanceCount = 0;
async function runningInstance(deploymentMethod: OdooInstance['deploymentMethod']): Promise<OdooInstance> {
  instanceCount += 1;
  const name = `cap-${instanceCount}`;
  return db.prisma.odooInstance.create({
    data: {
      companyId: company.id,
      name,
      database: name,
      version: '17.0',
      deploymentMethod,
      status: 'RUNNING',
      instanceId: `provider-${name}`,
      gitRepositoryUrl: 'https://git.example.com/fleet/addons.git',
      serverUrl: deploymentMethod === 'SELF_HOSTED' ? 'https://odoo.example.com' : null,
      providerScope: deploymentMethod === 'SELF_HOSTED' ? 'https://odoo.example.com' : 'odoo.sh',
    },
  });
}

async function completedBackup(instance: OdooInstance) {
  return db.prisma.backup.create({
    data: {
      companyId: company.id,
      instanceId: instance.id,
      status: 'COMPLETED',
      backupId: `backup-of-${instance.name}`,
      storageKey: `backups/${instance.id}.zip`,
      completedAt: new Date(),
    },
  });
}

/** The probe of each capability: the call that needs it, on an instance of `method`. */
const probes: Record<
  Capability,
  (method: OdooInstance['deploymentMethod']) => Promise<{ __typename: string; capability?: string }>
> = {
  async suspend(method) {
    const instance = await runningInstance(method);
    const suspended = (await gql(SuspendForCapabilityDocument, { input: { id: gid('OdooInstance', instance.id) } }))
      .data!.suspendInstance;
    await db.prisma.odooInstance.update({ where: { id: instance.id }, data: { status: 'SUSPENDED' } });
    const resumed = (await gql(ResumeForCapabilityDocument, { input: { id: gid('OdooInstance', instance.id) } })).data!
      .resumeInstance;
    // Both directions need the capability: report the resume only if the suspend agreed.
    expect([resumed.__typename, 'capability' in resumed && resumed.capability]).toEqual([
      suspended.__typename,
      'capability' in suspended && suspended.capability,
    ]);
    return resumed;
  },
  async restoreIntoAnotherInstance(method) {
    const [source, target] = [await runningInstance(method), await runningInstance(method)];
    const backup = await completedBackup(source);
    return (
      await gql(RestoreForCapabilityDocument, {
        input: { backupId: gid('Backup', backup.id), targetInstanceId: gid('OdooInstance', target.id), confirm: true },
      })
    ).data!.restoreBackup;
  },
  async restoreStoredCopies(method) {
    const [source, target] = [
      await runningInstance(method === 'ODOO_SH' ? 'SELF_HOSTED' : 'ODOO_SH'),
      await runningInstance(method),
    ];
    const backup = await completedBackup(source);
    return (
      await gql(RestoreForCapabilityDocument, {
        input: { backupId: gid('Backup', backup.id), targetInstanceId: gid('OdooInstance', target.id), confirm: true },
      })
    ).data!.restoreBackup;
  },
  async neutralize(method) {
    const instance = await runningInstance(method);
    const backup = await completedBackup(instance);
    return (
      await gql(RestoreForCapabilityDocument, {
        input: { backupId: gid('Backup', backup.id), confirm: true, neutralize: true },
      })
    ).data!.restoreBackup;
  },
  async cancelDeployment(method) {
    const instance = await runningInstance(method);
    const deployment = await db.prisma.deployment.create({
      data: { companyId: company.id, instanceId: instance.id, branch: 'master' },
    });
    return (await gql(CancelForCapabilityDocument, { input: { deploymentId: gid('Deployment', deployment.id) } })).data!
      .cancelDeployment;
  },
  async deployByGit(method) {
    const instance = await runningInstance(method);
    const template = await dataOnlyTemplate();
    const deploy = (
      await gql(DeployForCapabilityDocument, {
        input: {
          instanceId: gid('OdooInstance', instance.id),
          templateId: gid('Template', template.id),
          strategy: 'GIT',
        },
      })
    ).data!.deployTemplate;
    const previous = await db.prisma.deployment.create({
      data: {
        companyId: company.id,
        instanceId: instance.id,
        branch: 'master',
        status: 'SUCCESS',
        commitHash: 'a'.repeat(40),
        finishedAt: new Date(),
      },
    });
    const redeploy = (
      await gql(RedeployForCapabilityDocument, { input: { deploymentId: gid('Deployment', previous.id) } })
    ).data!.redeploy;
    expect(redeploy).toEqual(deploy);
    return redeploy;
  },
  async deployByModuleInstall(method) {
    const instance = await runningInstance(method);
    const template = await dataOnlyTemplate();
    return (
      await gql(DeployForCapabilityDocument, {
        input: {
          instanceId: gid('OdooInstance', instance.id),
          templateId: gid('Template', template.id),
          strategy: 'XMLRPC',
        },
      })
    ).data!.deployTemplate;
  },
};

let templateCount = 0;
function dataOnlyTemplate() {
  templateCount += 1;
  return db.prisma.template.create({
    data: {
      companyId: company.id,
      name: `data-only-${templateCount}`,
      version: '1.0',
      modules: ['fleet_data'],
      files: {
        create: [{ path: 'fleet_data/__manifest__.py', content: "{'name': 'Fleet data', 'version': '1.0'}\n" }],
      },
    },
  });
}

/** Serves `method` with its declared capabilities minus `capability` for the duration of `work`. */
async function lacking<T>(method: string, capability: Capability, work: () => Promise<T>): Promise<T> {
  const index = served.findIndex((provider) => provider.method === method);
  const real = served[index]!;
  served[index] = { ...real, capabilities: real.capabilities.filter((declared) => declared !== capability) };
  try {
    return await work();
  } finally {
    served[index] = real;
  }
}

/** No restore or operation was recorded and every seeded deployment kept its status. */
async function nothingHappened() {
  expect(await db.prisma.restore.count()).toBe(0);
  expect(await db.prisma.operation.count()).toBe(0);
  expect(await db.prisma.deployment.count({ where: { status: { notIn: ['PENDING', 'SUCCESS'] } } })).toBe(0);
  expect(await db.prisma.deployment.count({ where: { commitHash: null, status: { not: 'PENDING' } } })).toBe(0);
}

describe('a call needing a capability the provider lacks', () => {
  for (const provider of builtInProviders) {
    const method = provider.method as OdooInstance['deploymentMethod'];
    for (const capability of CAPABILITIES) {
      const declared = provider.capabilities.includes(capability);
      it(`${method} ${declared ? 'without its' : 'lacking'} ${capability}: answers UnsupportedError and changes nothing`, async () => {
        const answer = await lacking(method, capability, () => probes[capability](method));
        expect(answer).toMatchObject({ __typename: 'UnsupportedError', capability, deploymentMethod: method });
        await nothingHappened();
      });
    }
  }
});

// Last, as these record work: with the capability the same probes pass the check and end
// elsewhere (at the provider, which does not answer here, or recorded). A git deployment
// would reach for the repository over the network, so it is left to the deployment tests.
describe('the same call with the capability', () => {
  for (const provider of builtInProviders) {
    const method = provider.method as OdooInstance['deploymentMethod'];
    for (const capability of provider.capabilities.filter((declared) => declared !== 'deployByGit')) {
      it(`${method} with ${capability}: is not refused as unsupported`, async () => {
        expect((await probes[capability](method)).__typename).not.toBe('UnsupportedError');
      });
    }
  }
});
