// Roles and tenancy over the whole schema. Cases come from the schema itself, so a new
// query, mutation or subscription is covered the day it is added.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { operationCases, type IdResolver, type OperationCase } from './support/operations.js';
import { hashApiToken } from '../src/services/auth/authenticate.js';
import { seedApiKey, seedCompany, seedInstances } from './support/seed.js';
import { startTestServer, wsClient, type TestServer } from './support/server.js';

const MISSING = '6f1c1f8e-0000-4000-8000-00000000dead';

let db: TestDatabase;
let server: TestServer;
const ids: Record<'A' | 'B' | 'Y', Record<string, string>> = { A: {}, B: {}, Y: {} };
const tokens: Record<string, string> = {};

async function seedTenant(prisma: PrismaClient, slug: string) {
  const company = await seedCompany(prisma, slug);
  const [instance] = await seedInstances(prisma, company.id, 1, slug);
  const backup = await prisma.backup.create({ data: { companyId: company.id, instanceId: instance!.id } });
  const deployment = await prisma.deployment.create({
    data: { companyId: company.id, instanceId: instance!.id, branch: 'master' },
  });
  const template = await prisma.template.create({
    data: { companyId: company.id, name: `${slug} template`, version: '1.0' },
  });
  await seedApiKey(prisma, company.id, 'VIEWER');
  const spareKey = await prisma.apiKey.findFirstOrThrow({ where: { companyId: company.id, role: 'VIEWER' } });
  // Two endpoints: deleting the first must not take the delivery of the second with it.
  const endpoint = await prisma.webhookEndpoint.create({
    data: { companyId: company.id, url: `https://${slug}.example.com/a`, eventTypes: ['BACKUP'], secretEnc: 'x' },
  });
  const other = await prisma.webhookEndpoint.create({
    data: { companyId: company.id, url: `https://${slug}.example.com/b`, eventTypes: ['BACKUP'], secretEnc: 'x' },
  });
  const delivery = await prisma.webhookDelivery.create({
    data: { endpointId: other.id, eventType: 'BACKUP', payload: {} },
  });
  return {
    token: company.token,
    ids: {
      Company: company.id,
      OdooInstance: instance!.id,
      Backup: backup.id,
      Deployment: deployment.id,
      Template: template.id,
      ApiKey: spareKey.id,
      WebhookEndpoint: endpoint.id,
      WebhookDelivery: delivery.id,
    },
  };
}

/** Everything company B owns, to show that nothing of it changed. */
async function snapshotOf(companyId: string) {
  const [company, instances, keys, backups, deployments, templates, webhookEndpoints, webhookDeliveries] =
    await Promise.all([
      db.prisma.company.findUnique({ where: { id: companyId } }),
      db.prisma.odooInstance.findMany({ where: { companyId }, orderBy: { id: 'asc' } }),
      db.prisma.apiKey.findMany({ where: { companyId }, orderBy: { id: 'asc' }, omit: { lastUsedAt: true } }),
      db.prisma.backup.findMany({ where: { companyId }, orderBy: { id: 'asc' } }),
      db.prisma.deployment.findMany({ where: { companyId }, orderBy: { id: 'asc' } }),
      db.prisma.template.findMany({ where: { companyId }, orderBy: { id: 'asc' } }),
      db.prisma.webhookEndpoint.findMany({ where: { companyId }, orderBy: { id: 'asc' } }),
      db.prisma.webhookDelivery.findMany({ where: { endpoint: { companyId } }, orderBy: { id: 'asc' } }),
    ]);
  return { company, instances, keys, backups, deployments, templates, webhookEndpoints, webhookDeliveries };
}

function resolverFor(tenant: 'A' | 'B' | 'missing'): IdResolver {
  return (typename) => encodeGlobalID(typename, tenant === 'missing' ? MISSING : ids[tenant][typename]!);
}

async function run(operation: OperationCase, token: string, idsOf: IdResolver): Promise<ExecutionResult> {
  const request = { query: operation.document, variables: operation.variables(idsOf) };
  if (operation.kind !== 'subscription') {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(request),
    });
    return (await response.json()) as ExecutionResult;
  }
  // A subscription's first answer: its first event, its error, or that nothing came.
  const client = wsClient(server.wsUrl, token);
  try {
    return await new Promise<ExecutionResult>((resolve) => {
      const timer = setTimeout(() => resolve({ data: { nothingWithin: '500ms' } }), 500);
      client.subscribe(request, {
        next: (value) => {
          clearTimeout(timer);
          resolve(value as ExecutionResult);
        },
        error: (error) => {
          clearTimeout(timer);
          resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] } as ExecutionResult);
        },
        complete: () => {
          clearTimeout(timer);
          resolve({ data: { completed: true } });
        },
      });
    });
  } finally {
    await client.dispose();
  }
}

/** The answer with ids blanked, so a foreign id's answer can be compared with a missing id's. */
function normalized(result: ExecutionResult, rawIds: string[]): string {
  let text = JSON.stringify({
    data: result.data ?? null,
    errors: result.errors?.map((error) => ({ message: error.message, code: error.extensions?.code })),
  });
  for (const raw of rawIds) {
    for (const form of [raw, ...Object.keys(ids.A).map((typename) => encodeGlobalID(typename, raw))]) {
      text = text.split(form).join('<id>');
    }
  }
  return text;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const a = await seedTenant(db.prisma, 'tenant-a');
  const b = await seedTenant(db.prisma, 'tenant-b');
  ids.A = a.ids;
  ids.B = b.ids;
  tokens.A_ADMIN = a.token;
  tokens.A_OPERATOR = await seedApiKey(db.prisma, a.ids.Company, 'OPERATOR');
  tokens.A_VIEWER = await seedApiKey(db.prisma, a.ids.Company, 'VIEWER');
  // Second axis: instance Y of company A, and an OPERATOR key of A limited to A's first instance.
  const [y] = await seedInstances(db.prisma, a.ids.Company, 1, 'tenant-a-y');
  ids.Y = {
    OdooInstance: y!.id,
    Backup: (await db.prisma.backup.create({ data: { companyId: a.ids.Company, instanceId: y!.id } })).id,
    Deployment: (
      await db.prisma.deployment.create({ data: { companyId: a.ids.Company, instanceId: y!.id, branch: 'master' } })
    ).id,
  };
  tokens.A_LIMITED = await seedApiKey(db.prisma, a.ids.Company, 'OPERATOR');
  await db.prisma.apiKey.update({
    where: { tokenHash: hashApiToken(tokens.A_LIMITED) },
    data: { instanceIds: [a.ids.OdooInstance] },
  });
  server = await startTestServer(db.prisma);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const allCases = [...operationCases('query'), ...operationCases('mutation'), ...operationCases('subscription')];
const idCases = allCases.filter((operation) => operation.takesId);

describe('tenancy over every operation that takes an id', () => {
  it('finds operations to check (the harness reads the schema)', () => {
    expect(idCases.map((operation) => operation.field)).toEqual(
      expect.arrayContaining([
        'node',
        'nodes',
        'instance',
        'backup',
        'deployment',
        'template',
        'revokeApiKey',
        'setInstanceCredentials',
      ]),
    );
  });

  it.each(idCases.map((operation) => [`${operation.kind} ${operation.field}`, operation] as const))(
    "%s: another company's id answers exactly as a missing id, and changes nothing",
    async (_name, operation) => {
      const before = await snapshotOf(ids.B.Company!);
      const foreign = await run(operation, tokens.A_ADMIN!, resolverFor('B'));
      const missing = await run(operation, tokens.A_ADMIN!, resolverFor('missing'));
      const rawIds = [...Object.values(ids.B), MISSING];
      expect(normalized(foreign, rawIds)).toBe(normalized(missing, rawIds));
      expect(await snapshotOf(ids.B.Company!)).toEqual(before);
      // The harness is aimed right: the caller's own id gets a different answer.
      const own = await run(operation, tokens.A_ADMIN!, resolverFor('A'));
      expect(normalized(own, [...Object.values(ids.A), MISSING])).not.toBe(normalized(missing, rawIds));
    },
  );
});

/** The objects that belong to an instance; everything else is the company's. */
const INSTANCE_BOUND = ['OdooInstance', 'Backup', 'Deployment'];

function limitedResolverFor(target: 'X' | 'Y' | 'missing'): IdResolver {
  return (typename) => {
    if (!INSTANCE_BOUND.includes(typename)) return encodeGlobalID(typename, ids.A[typename]!);
    return encodeGlobalID(
      typename,
      target === 'missing' ? MISSING : target === 'X' ? ids.A[typename]! : ids.Y[typename]!,
    );
  };
}

/** Instance Y and everything of it, to show that nothing of it changed. */
async function snapshotOfY() {
  const where = { instanceId: ids.Y.OdooInstance! };
  const [instance, backups, deployments] = await Promise.all([
    db.prisma.odooInstance.findUnique({ where: { id: ids.Y.OdooInstance! } }),
    db.prisma.backup.findMany({ where, orderBy: { id: 'asc' } }),
    db.prisma.deployment.findMany({ where, orderBy: { id: 'asc' } }),
  ]);
  return { instance, backups, deployments };
}

describe("a key limited to instance X, over every operation that takes an instance's id", () => {
  const instanceCases = idCases.filter((operation) =>
    JSON.stringify(
      operation.variables((typename) => (INSTANCE_BOUND.includes(typename) ? 'instance-bound' : 'company')),
    ).includes('instance-bound'),
  );

  it('finds operations to check', () => {
    expect(instanceCases.map((operation) => operation.field)).toEqual(
      expect.arrayContaining([
        'node',
        'instance',
        'backup',
        'deployment',
        'updateInstance',
        'createBackup',
        'deployTemplate',
        'instanceHealth',
        'backupStatus',
      ]),
    );
  });

  it.each(instanceCases.map((operation) => [`${operation.kind} ${operation.field}`, operation] as const))(
    '%s: instance Y of its own company answers exactly as a missing id, and changes nothing',
    async (_name, operation) => {
      const before = await snapshotOfY();
      const other = await run(operation, tokens.A_LIMITED!, limitedResolverFor('Y'));
      const missing = await run(operation, tokens.A_LIMITED!, limitedResolverFor('missing'));
      const rawIds = [...Object.values(ids.Y), MISSING];
      expect(normalized(other, rawIds)).toBe(normalized(missing, rawIds));
      expect(await snapshotOfY()).toEqual(before);
      // Aimed right: instance X itself answers otherwise (unless the role forbids the operation anyway).
      const own = await run(operation, tokens.A_LIMITED!, limitedResolverFor('X'));
      if (own.errors?.[0]?.extensions?.code !== 'FORBIDDEN') {
        expect(normalized(own, [ids.A.OdooInstance!, ids.A.Backup!, ids.A.Deployment!, MISSING])).not.toBe(
          normalized(missing, rawIds),
        );
      }
    },
  );
});

describe('roles', () => {
  const mutations = operationCases('mutation');

  it.each(mutations.map((operation) => [operation.field, operation] as const))(
    'a VIEWER cannot run %s',
    async (_name, operation) => {
      const before = await snapshotOf(ids.A.Company!);
      const result = await run(operation, tokens.A_VIEWER!, resolverFor('A'));
      expect(result.data?.[operation.field] ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await snapshotOf(ids.A.Company!)).toEqual(before);
    },
  );

  it('an OPERATOR cannot create API keys', async () => {
    const createApiKey = mutations.find((operation) => operation.field === 'createApiKey')!;
    const keysBefore = await db.prisma.apiKey.count();
    const result = await run(createApiKey, tokens.A_OPERATOR!, resolverFor('A'));
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await db.prisma.apiKey.count()).toBe(keysBefore);
  });

  it('a VIEWER reads the fleet but not the keys or the audit log', async () => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.A_VIEWER}` },
      body: JSON.stringify({ query: '{ instances { totalCount } viewer { company { apiKeys { totalCount } } } }' }),
    });
    const result = (await response.json()) as ExecutionResult<{ instances: { totalCount: number } }>;
    expect(result.data?.instances.totalCount).toBe(2); // instance X and instance Y
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
