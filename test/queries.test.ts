// Read queries over real HTTP against real PostgreSQL: tenancy, filters, paging, lookups.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InstancesQuery,
  InstanceDocument,
  InstanceDetailDocument,
  InstancesDocument,
  NodeLookupDocument,
  TypenameDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedApiKey, seedCompany, seedInstances, type SeededCompany } from './support/seed.js';
import { execute, PLATFORM_TOKEN, startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let acme: SeededCompany;
let globex: SeededCompany;
let acmeInstanceIds: string[];
let globexInstanceId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  acme = await seedCompany(db.prisma, 'acme');
  globex = await seedCompany(db.prisma, 'globex');
  acmeInstanceIds = (await seedInstances(db.prisma, acme.id, 25, 'acme')).map((instance) => instance.id);
  globexInstanceId = (await seedInstances(db.prisma, globex.id, 3, 'globex'))[0]!.id;
  server = await startTestServer(db.prisma);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const globalId = (typename: string, id: string) => encodeGlobalID(typename, id);

describe('authentication', () => {
  it('answers an anonymous __typename, and a null viewer', async () => {
    expect((await execute(server.httpUrl, TypenameDocument)).data).toEqual({ __typename: 'Query' });
    expect((await execute(server.httpUrl, ViewerDocument)).data).toEqual({ viewer: null });
  });

  it('refuses company data without a valid key, with a typed error', async () => {
    for (const token of [undefined, 'ofk_not-a-real-key']) {
      const result = await execute(server.httpUrl, InstancesDocument, { token });
      expect(result.data?.instances ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('shows an API key its company and role', async () => {
    const viewerToken = await seedApiKey(db.prisma, acme.id, 'VIEWER');
    const { data } = await execute(server.httpUrl, ViewerDocument, { token: viewerToken });
    expect(data?.viewer).toEqual({
      isPlatformAdmin: false,
      role: 'VIEWER',
      company: { id: globalId('Company', acme.id), name: 'Company acme', slug: 'acme' },
    });
  });

  it('recognises the platform operator, who has no company', async () => {
    const { data } = await execute(server.httpUrl, ViewerDocument, { token: PLATFORM_TOKEN });
    expect(data?.viewer).toEqual({ isPlatformAdmin: true, role: null, company: null });
  });

  it('stops accepting a revoked key at once', async () => {
    const token = await seedApiKey(db.prisma, acme.id, 'OPERATOR');
    expect((await execute(server.httpUrl, InstancesDocument, { token })).data?.instances.totalCount).toBe(25);
    await db.prisma.apiKey.updateMany({
      where: { companyId: acme.id, role: 'OPERATOR' },
      data: { revokedAt: new Date() },
    });
    const after = await execute(server.httpUrl, InstancesDocument, { token });
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('tenancy', () => {
  it("lists only the caller's company's instances", async () => {
    const { data } = await execute(server.httpUrl, InstancesDocument, {
      token: globex.token,
      variables: { first: 50 },
    });
    expect(data?.instances.totalCount).toBe(3);
    expect(data?.instances.edges.map((edge) => edge.node.name)).toEqual(['globex-002', 'globex-001', 'globex-000']);
  });

  it("answers another company's id exactly like a missing one, in every lookup", async () => {
    const foreign = globalId('OdooInstance', globexInstanceId);
    const missing = globalId('OdooInstance', '6f1c1f8e-0000-4000-8000-000000000000');
    const malformed = globalId('OdooInstance', 'not-a-uuid');
    const answers = await Promise.all(
      [foreign, missing, malformed].flatMap((id) => [
        execute(server.httpUrl, InstanceDocument, { token: acme.token, variables: { id } }),
        execute(server.httpUrl, NodeLookupDocument, { token: acme.token, variables: { id } }),
      ]),
    );
    for (const [index, answer] of answers.entries()) {
      expect(answer.errors, `answer ${index}`).toBeUndefined();
      expect(Object.values(answer.data ?? {}), `answer ${index}`).toEqual([null]);
    }
  });

  it("finds the caller's own instance through instance(id) and node(id)", async () => {
    const id = globalId('OdooInstance', acmeInstanceIds[4]!);
    const byType = await execute(server.httpUrl, InstanceDocument, { token: acme.token, variables: { id } });
    expect(byType.data?.instance).toEqual({ id, name: 'acme-004', database: 'acme_4' });
    const byNode = await execute(server.httpUrl, NodeLookupDocument, { token: acme.token, variables: { id } });
    expect(byNode.data?.node).toEqual({ __typename: 'OdooInstance', id, name: 'acme-004' });
  });
});

describe('instances connection', () => {
  it('pages through every instance exactly once with stable cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const result = await execute(server.httpUrl, InstancesDocument, {
        token: acme.token,
        variables: { first: 10, after, orderBy: { field: 'NAME', direction: 'ASC' } },
      });
      const connection: InstancesQuery['instances'] = result.data!.instances;
      expect(connection.totalCount).toBe(25);
      seen.push(...connection.edges.map((edge) => edge.node.name));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => `acme-${String(index).padStart(3, '0')}`));
  });

  it('filters by status, tier and name, and counts the filtered total', async () => {
    const { data } = await execute(server.httpUrl, InstancesDocument, {
      token: acme.token,
      variables: {
        first: 50,
        filter: { status: ['SUSPENDED'], subscriptionTier: 'STARTER', nameContains: 'ACME-01' },
        orderBy: { field: 'NAME', direction: 'ASC' },
      },
    });
    // suspended: index % 3 == 0; starter: even index; name acme-01x: 10..19 → 12, 18
    expect(data?.instances.edges.map((edge) => edge.node.name)).toEqual(['acme-012', 'acme-018']);
    expect(data?.instances.totalCount).toBe(2);
  });

  it("shows the specification's defaults and never a secret", async () => {
    const { data } = await execute(server.httpUrl, InstancesDocument, { token: acme.token, variables: { first: 1 } });
    expect(data?.instances.edges[0]?.node).toMatchObject({
      deploymentMethod: 'ODOO_SH',
      gitBranch: 'master',
      credentialsConfigured: false,
    });
  });

  it('refuses a malformed cursor or a negative page size with a typed input error', async () => {
    for (const variables of [{ first: 5, after: 'bm90LWEtY3Vyc29y' }, { first: -1 }]) {
      const result = await execute(server.httpUrl, InstancesDocument, { token: acme.token, variables });
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).not.toMatch(/Unexpected error/);
    }
  });
});

describe('instance details', () => {
  it('reads backups, deployments with history, metrics in a window, filtered logs and health', async () => {
    const instanceId = acmeInstanceIds[0]!;
    const companyId = acme.id;
    await db.prisma.backup.createMany({
      data: [
        {
          companyId,
          instanceId,
          status: 'COMPLETED',
          sizeBytes: 9_007_199_254_740_993n,
          createdAt: new Date('2026-01-01T01:00:00Z'),
        },
        { companyId, instanceId, status: 'DOWNLOADING', createdAt: new Date('2026-01-01T02:00:00Z') },
      ],
    });
    const deployment = await db.prisma.deployment.create({
      data: {
        companyId,
        instanceId,
        branch: 'master',
        status: 'SUCCESS',
        statusChanges: {
          create: [
            { status: 'QUEUED', at: new Date('2026-01-01T00:00:01Z') },
            { status: 'SUCCESS', at: new Date('2026-01-01T00:00:09Z') },
          ],
        },
      },
    });
    await db.prisma.metricSample.createMany({
      data: ['2025-12-31T23:00:00Z', '2026-01-01T06:00:00Z', '2026-01-01T12:00:00Z', '2026-01-03T00:00:00Z'].map(
        (at, index) => ({
          instanceId,
          sampledAt: new Date(at),
          cpuPercent: index * 10,
          memoryBytes: 1024n * BigInt(index),
        }),
      ),
    });
    await db.prisma.logEntry.createMany({
      data: [
        {
          instanceId,
          timestamp: new Date('2026-01-01T00:00:01Z'),
          level: 'ERROR',
          logger: 'odoo.sql_db',
          message: 'first error',
        },
        {
          instanceId,
          timestamp: new Date('2026-01-01T00:00:02Z'),
          level: 'INFO',
          logger: 'odoo.http',
          message: 'info',
        },
        {
          instanceId,
          timestamp: new Date('2026-01-01T00:00:03Z'),
          level: 'ERROR',
          logger: 'odoo.sql_db',
          message: 'second error',
        },
        {
          instanceId,
          timestamp: new Date('2026-01-01T00:00:04Z'),
          level: 'ERROR',
          logger: 'odoo.sql_db',
          message: 'third error',
        },
      ],
    });
    await db.prisma.healthSample.create({
      data: { instanceId, status: 'DEGRADED', checkedAt: new Date(), checks: { http: 'ok', database: 'fail' } },
    });

    const { data, errors } = await execute(server.httpUrl, InstanceDetailDocument, {
      token: acme.token,
      variables: { id: globalId('OdooInstance', instanceId) },
    });
    expect(errors).toBeUndefined();
    const instance = data!.instance!;
    expect(instance.backups.totalCount).toBe(2);
    expect(instance.backups.edges.map((edge) => [edge.node.status, edge.node.sizeBytes])).toEqual([
      ['DOWNLOADING', null],
      ['COMPLETED', '9007199254740993'],
    ]);
    expect(instance.deployments.edges[0]?.node).toMatchObject({
      id: globalId('Deployment', deployment.id),
      statusHistory: [
        { status: 'QUEUED', at: '2026-01-01T00:00:01.000Z' },
        { status: 'SUCCESS', at: '2026-01-01T00:00:09.000Z' },
      ],
    });
    expect(instance.metrics.map((sample) => sample.sampledAt)).toEqual([
      '2026-01-01T06:00:00.000Z',
      '2026-01-01T12:00:00.000Z',
    ]);
    expect(instance.logs.edges.map((edge) => edge.node.message)).toEqual(['third error', 'second error']);
    expect(instance.healthHistory.edges.map((edge) => edge.node.status)).toEqual(['DEGRADED']);
  });
});
