// The `instances` connection reads its page with plain SQL (db/instance-page.ts): these
// tests hold it to what the Prisma-backed connection answered before, page by page in
// every order and both directions, and show that it reads only the asked columns without
// letting a narrow row reach another field of the same request.
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, seedInstances, type SeededCompany } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;
type Seeded = Awaited<ReturnType<typeof seedInstances>>;
let instances: Seeded;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'instance-page');
  instances = await seedInstances(db.prisma, company.id, 23, 'page');
  // Ties in every order field, so the id decides between them.
  await db.prisma.odooInstance.updateMany({
    where: { name: { in: ['page-003', 'page-004', 'page-005'] } },
    data: { createdAt: new Date('2026-01-01T00:00:00Z') },
  });
  await db.prisma.odooInstance.update({ where: { id: instances[7]!.id }, data: { status: 'DELETED' } });
  await db.prisma.odooInstance.create({
    data: { companyId: company.id, name: 'odd%_name', database: 'odd', version: '17.0', status: 'ERROR' },
  });
  const other = await seedCompany(db.prisma, 'instance-page-other');
  await seedInstances(db.prisma, other.id, 5, 'page');
  instances = await db.prisma.odooInstance.findMany({ where: { companyId: company.id } });
  const companyId = company.id;
  await db.prisma.backup.createMany({
    data: instances.flatMap((instance, index) => [
      { companyId, instanceId: instance.id, status: 'FAILED' as const, createdAt: new Date('2026-02-01T00:00:00Z') },
      {
        companyId,
        instanceId: instance.id,
        status: 'COMPLETED' as const,
        sizeBytes: 9_007_199_254_740_993n + BigInt(index),
        storageKey: `stored/${instance.name}.zip`,
        checksumSha256: 'ab'.repeat(32),
        createdAt: new Date('2026-02-02T00:00:00Z'),
        completedAt: new Date('2026-02-02T00:05:00.123Z'),
      },
    ]),
  });
  server = await startTestServer(db.prisma);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function gql<Data>(query: string, variables: Record<string, unknown> = {}): Promise<ExecutionResult<Data>> {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${company.token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as ExecutionResult<Data>;
}

interface Page {
  instances: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
    edges: Array<{ cursor: string; node: { name: string } }>;
  };
}
const PAGE = `query($first: Int, $last: Int, $after: String, $before: String, $orderBy: InstanceOrder, $filter: InstanceFilter) {
  instances(first: $first, last: $last, after: $after, before: $before, orderBy: $orderBy, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}`;

const ORDER_FIELDS = { NAME: 'name', CREATED_AT: 'createdAt', STATUS: 'status' } as const;
const STATUS_ORDER = ['CREATING', 'RUNNING', 'SUSPENDED', 'MAINTENANCE', 'DELETING', 'DELETED', 'ERROR'];

/** The names of the company's listed instances in an order, computed here: field, then id ascending. */
function expectedNames(field: keyof typeof ORDER_FIELDS, direction: 'ASC' | 'DESC'): string[] {
  const key = ORDER_FIELDS[field];
  const value = (instance: Seeded[number]) =>
    key === 'status' ? STATUS_ORDER.indexOf(instance.status) : key === 'createdAt' ? instance.createdAt.getTime() : 0;
  return instances
    .filter((instance) => instance.status !== 'DELETED')
    .sort((a, b) => {
      const byField =
        key === 'name' ? a.name.localeCompare(b.name, 'en', { sensitivity: 'variant' }) : value(a) - value(b);
      if (byField !== 0) return direction === 'ASC' ? byField : -byField;
      return a.id < b.id ? -1 : 1;
    })
    .map((instance) => instance.name);
}

describe('instances page', () => {
  it('walks every order forward and backward through the same items as the order computed here', async () => {
    for (const field of Object.keys(ORDER_FIELDS) as Array<keyof typeof ORDER_FIELDS>) {
      for (const direction of ['ASC', 'DESC'] as const) {
        const orderBy = { field, direction };
        const expected = expectedNames(field, direction);
        if (field === 'NAME') expected.sort((a, b) => (direction === 'ASC' ? (a < b ? -1 : 1) : a < b ? 1 : -1));
        const forward: string[] = [];
        let after: string | null = null;
        for (let guard = 0; guard < 10; guard += 1) {
          const { data, errors }: ExecutionResult<Page> = await gql<Page>(PAGE, { first: 5, after, orderBy });
          expect(errors).toBeUndefined();
          forward.push(...data!.instances.edges.map((edge) => edge.node.name));
          expect(data!.instances.totalCount).toBe(expected.length);
          if (!data!.instances.pageInfo.hasNextPage) break;
          after = data!.instances.pageInfo.endCursor;
        }
        expect(forward, `${field} ${direction} forward`).toEqual(expected);

        const backward: string[] = [];
        let before: string | null = null;
        for (let guard = 0; guard < 10; guard += 1) {
          const { data, errors }: ExecutionResult<Page> = await gql<Page>(PAGE, { last: 5, before, orderBy });
          expect(errors).toBeUndefined();
          backward.unshift(...data!.instances.edges.map((edge) => edge.node.name));
          if (!data!.instances.pageInfo.hasPreviousPage) break;
          before = data!.instances.pageInfo.startCursor;
        }
        expect(backward, `${field} ${direction} backward`).toEqual(expected);
      }
    }
  });

  it('filters as typed: wildcards as themselves, statuses, tier, and counts what matches', async () => {
    const names = async (filter: Record<string, unknown>) => {
      const { data, errors } = await gql<Page>(PAGE, { first: 100, filter, orderBy: { field: 'NAME' } });
      expect(errors).toBeUndefined();
      return { total: data!.instances.totalCount, names: data!.instances.edges.map((edge) => edge.node.name) };
    };
    expect(await names({ nameContains: '%_' })).toEqual({ total: 1, names: ['odd%_name'] });
    expect(await names({ nameContains: 'PAGE-01' })).toMatchObject({ total: 10 });
    expect(await names({ status: ['DELETED'] })).toEqual({ total: 1, names: ['page-007'] });
    const suspendedEnterprise = await names({ status: ['SUSPENDED'], subscriptionTier: 'ENTERPRISE' });
    expect(suspendedEnterprise.names).toEqual(['page-003', 'page-009', 'page-015', 'page-021']);
    // A page past the end still counts the whole list.
    const { data } = await gql<Page>(PAGE, {
      first: 5,
      after: (await gql<Page>(PAGE, { last: 1 })).data!.instances.pageInfo.endCursor,
    });
    expect(data!.instances.edges).toEqual([]);
    expect(data!.instances.totalCount).toBe(23);
  });

  it('refuses a cursor that is not one, and finds nothing after a cursor of another company', async () => {
    const bad = await gql<Page>(PAGE, { first: 5, after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.message).toMatch(/cursor/i);
    const foreign = await db.prisma.odooInstance.findFirstOrThrow({ where: { companyId: { not: company.id } } });
    const cursor = Buffer.from(`GPC:S:${foreign.id}`).toString('base64');
    const { data, errors } = await gql<Page>(PAGE, { first: 5, after: cursor });
    expect(errors).toBeUndefined();
    expect(data!.instances.edges).toEqual([]);
  });

  it('reads only the asked columns, and a narrow latest row never answers another field of the request', async () => {
    const instance = instances.find((row) => row.name === 'page-002')!;
    db.queries.length = 0;
    const { data, errors } = await gql<{
      instances: { edges: Array<{ node: { name: string; latestBackup: { status: string } } }> };
      instance: {
        latestBackup: { storageKey: string; sizeBytes: string; checksumSha256: string; completedAt: string };
      };
    }>(
      `query($id: ID!) {
        instances(first: 3, orderBy: { field: NAME }) { edges { node { name latestBackup { status } } } }
        instance(id: $id) { latestBackup { sizeBytes checksumSha256 completedAt } }
      }`,
      { id: Buffer.from(`OdooInstance:${instance.id}`).toString('base64') },
    );
    expect(errors).toBeUndefined();
    expect(data!.instances.edges.map((edge) => edge.node)).toEqual([
      { name: 'odd%_name', latestBackup: { status: 'COMPLETED' } },
      { name: 'page-000', latestBackup: { status: 'COMPLETED' } },
      { name: 'page-001', latestBackup: { status: 'COMPLETED' } },
    ]);
    const index = instances.findIndex((row) => row.id === instance.id);
    expect(data!.instance.latestBackup).toEqual({
      sizeBytes: String(9_007_199_254_740_993n + BigInt(index)),
      checksumSha256: 'ab'.repeat(32),
      completedAt: '2026-02-02T00:05:00.123Z',
    });
    const page = db.queries.find((sql) => sql.includes('LATERAL') && sql.includes('"OdooInstance"'))!;
    expect(page).toMatch(/"name"/);
    expect(page).not.toMatch(/"url"|"gitRepositoryUrl"|"storageKey"|"checksumSha256"/);
  });
});
