// The newest rows of several history tables, read for a page of instances in one statement
// (src/db/latest-per-instance.ts), on real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestRowsPerInstance } from '../src/db/latest-per-instance.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, seedInstances } from './support/seed.js';

let db: TestDatabase;
let full: string;
let deployedOnly: string;
let bare: string;

const day = (n: number) => new Date(Date.UTC(2026, 0, n));

beforeAll(async () => {
  db = await createTestDatabase();
  const company = await seedCompany(db.prisma, 'latest-rows');
  [full, deployedOnly, bare] = (await seedInstances(db.prisma, company.id, 3, 'latest')).map(
    (instance) => instance.id,
  ) as [string, string, string];
  await db.prisma.backup.createMany({
    data: [
      { companyId: company.id, instanceId: full, status: 'COMPLETED', createdAt: day(1) },
      { companyId: company.id, instanceId: full, status: 'FAILED', createdAt: day(3) },
      { companyId: company.id, instanceId: full, status: 'PENDING', createdAt: day(2) },
    ],
  });
  await db.prisma.deployment.createMany({
    data: [full, deployedOnly].flatMap((instanceId) => [
      {
        companyId: company.id,
        instanceId,
        branch: 'main',
        commitHash: 'old',
        status: 'FAILED' as const,
        createdAt: day(1),
        log: 'old log',
      },
      {
        companyId: company.id,
        instanceId,
        branch: 'main',
        commitHash: 'new',
        status: 'SUCCESS' as const,
        createdAt: day(2),
        log: 'new log',
      },
    ]),
  });
  await db.prisma.healthSample.createMany({
    data: [
      { instanceId: full, status: 'DOWN', checkedAt: day(2) },
      { instanceId: full, status: 'HEALTHY', checkedAt: day(1) },
    ],
  });
});
afterAll(async () => {
  await db?.drop();
});

describe('latestRowsPerInstance', () => {
  it('reads the newest row of each table for every instance in one statement', async () => {
    db.queries.length = 0;
    const latest = await latestRowsPerInstance(
      db.prisma,
      ['Backup', 'Deployment', 'HealthSample'],
      [full, deployedOnly, bare, full],
    );
    expect(db.queries).toHaveLength(1);
    expect(latest.Backup.get(full)).toMatchObject({ instanceId: full, status: 'FAILED', createdAt: day(3) });
    expect(latest.Deployment.get(full)).toMatchObject({ instanceId: full, commitHash: 'new', status: 'SUCCESS' });
    expect(latest.Deployment.get(deployedOnly)).toMatchObject({ instanceId: deployedOnly, commitHash: 'new' });
    expect(latest.HealthSample.get(full)).toMatchObject({ instanceId: full, status: 'DOWN', checkedAt: day(2) });
    // an instance without rows in a table has none there, whatever it has elsewhere
    expect([...latest.Backup.keys()]).toEqual([full]);
    expect([...latest.Deployment.keys()].sort()).toEqual([full, deployedOnly].sort());
    expect([...latest.HealthSample.keys()]).toEqual([full]);
    // the build log is never read with the latest rows
    expect(latest.Deployment.get(full)).not.toHaveProperty('log');
    expect(db.queries[0]).not.toMatch(/"log"/);
  });

  it('reads only the tables asked for', async () => {
    db.queries.length = 0;
    const latest = await latestRowsPerInstance(db.prisma, ['Deployment'], [full, bare]);
    expect(Object.keys(latest)).toEqual(['Deployment']);
    expect(latest.Deployment.get(full)?.commitHash).toBe('new');
    expect(db.queries).toHaveLength(1);
    expect(db.queries[0]).toMatch(/"Deployment"/);
    expect(db.queries[0]).not.toMatch(/"Backup"|"HealthSample"/);
  });

  it('sends nothing for no instances', async () => {
    db.queries.length = 0;
    const latest = await latestRowsPerInstance(db.prisma, ['Backup'], []);
    expect(latest.Backup.size).toBe(0);
    expect(db.queries).toHaveLength(0);
  });
});
