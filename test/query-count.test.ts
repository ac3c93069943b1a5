// A dashboard page of instances with their latest backup, deployment and health sample
// costs the same number of SQL statements for 10 rows as for 100.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardDocument, DashboardWithLogDocument, InstancesDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, seedInstances, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'fleet');
  const instances = await seedInstances(db.prisma, company.id, 120, 'node');
  const companyId = company.id;
  await db.prisma.backup.createMany({
    data: instances.flatMap((instance, index) => [
      { companyId, instanceId: instance.id, status: 'COMPLETED' as const, createdAt: new Date(Date.UTC(2026, 0, 1)) },
      {
        companyId,
        instanceId: instance.id,
        status: 'PENDING' as const,
        sizeBytes: BigInt(index),
        createdAt: new Date(Date.UTC(2026, 0, 2)),
      },
    ]),
  });
  await db.prisma.deployment.createMany({
    data: instances.map((instance) => ({
      companyId,
      instanceId: instance.id,
      branch: 'master',
      status: 'SUCCESS' as const,
      log: `build log of ${instance.name}\n`.repeat(50),
    })),
  });
  // Every instance holds secrets, so reading them would show in the SQL.
  await db.prisma.odooInstance.updateMany({
    where: { companyId },
    data: {
      providerTokenEnc: 'v2:secret',
      odooPasswordEnc: 'v2:secret',
      masterPasswordEnc: 'v2:secret',
      gitCredentialEnc: 'v2:secret',
    },
  });
  await db.prisma.healthSample.createMany({
    data: instances.flatMap((instance) => [
      { instanceId: instance.id, status: 'DOWN' as const, checkedAt: new Date(Date.UTC(2026, 0, 1)) },
      {
        instanceId: instance.id,
        status: 'HEALTHY' as const,
        checkedAt: new Date(Date.UTC(2026, 0, 2)),
        checks: { http: 'ok' },
      },
    ]),
  });
  server = await startTestServer(db.prisma);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function dashboardStatements(first: number) {
  db.queries.length = 0;
  const result = await execute(server.httpUrl, DashboardDocument, { token: company.token, variables: { first } });
  expect(result.errors).toBeUndefined();
  return { statements: db.queries.length, sql: [...db.queries], edges: result.data!.instances.edges };
}

describe('dashboard query', () => {
  it('runs a fixed number of SQL statements whatever the page size', async () => {
    await dashboardStatements(1); // the key's first use of the minute also records lastUsedAt
    await new Promise((resolve) => setTimeout(resolve, 100));
    const small = await dashboardStatements(10);
    const large = await dashboardStatements(100);
    expect(small.edges).toHaveLength(10);
    expect(large.edges).toHaveLength(100);
    expect(large.statements).toBe(small.statements);
    // the key, then one statement for the page, its three latest relations and the total count
    expect(large.statements).toBe(2);
    expect(large.sql.filter((sql) => /LATERAL/.test(sql))).toHaveLength(1);
  });

  it('returns the latest of each relation, not any of them', async () => {
    const { edges } = await dashboardStatements(3);
    for (const { node } of edges) {
      expect(node.latestBackup?.status).toBe('PENDING');
      expect(node.latestDeployment?.status).toBe('SUCCESS');
      expect(node.health).toMatchObject({ status: 'HEALTHY', checks: [{ name: 'http', ok: true }] });
    }
  });

  it('caps a page at 100 items and says more follow', async () => {
    const { data } = await execute(server.httpUrl, InstancesDocument, {
      token: company.token,
      variables: { first: 500 },
    });
    expect(data?.instances.edges).toHaveLength(100);
    expect(data?.instances.pageInfo.hasNextPage).toBe(true);
    expect(data?.instances.totalCount).toBe(120);
  });

  it('reads no secret column and no build log when the query asks for neither', async () => {
    await dashboardStatements(20);
    const sql = db.queries.join('\n');
    expect(sql).toMatch(/"OdooInstance"/);
    expect(sql).toMatch(/"Deployment"/);
    expect(sql).not.toMatch(/Enc"/);
    expect(sql).not.toMatch(/\blog\b/);
    expect(sql).not.toMatch(/SELECT\s+\*|\w\.\*/);
  });

  it('loads the build log of the latest deployments in one more statement when asked', async () => {
    db.queries.length = 0;
    const { data, errors } = await execute(server.httpUrl, DashboardWithLogDocument, {
      token: company.token,
      variables: { first: 30 },
    });
    expect(errors).toBeUndefined();
    const logReads = db.queries.filter((sql) => /"log"/.test(sql));
    expect(logReads).toHaveLength(1);
    // totalCount was not asked for: the company's instances are not counted.
    expect(db.queries.filter((sql) => /COUNT\(/i.test(sql))).toEqual([]);
    for (const { node } of data!.instances.edges) {
      expect(node.latestDeployment?.log).toBe(`build log of ${node.name}\n`.repeat(50));
    }
  });
});
