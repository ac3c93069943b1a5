// One lease mechanism (src/db/leases.ts) for durable operations and for polls: a claimed
// row is nobody else's until its lease expires, the lease lasts what the owner asked for
// (WORKER_LEASE_MS for operations), and only the holder gives it back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { claimInstance, releaseUnpolled } from '../src/jobs/poll-leases.js';
import { createWorker } from '../src/services/operations/worker.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';

let db: TestDatabase;
let company: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'leases');
});

afterAll(async () => {
  await db?.drop();
});

const expireLeases = () =>
  db.prisma
    .$executeRaw`UPDATE "Operation" SET "leaseExpiresAt" = now() - interval '1 second' WHERE "leaseOwner" IS NOT NULL`;

describe('the lease of an operation', () => {
  it('lasts WORKER_LEASE_MS (60 s unless set) and keeps other workers off until it expires', async () => {
    expect(loadConfig({}).WORKER_LEASE_MS).toBe(60_000);
    expect(loadConfig({ WORKER_LEASE_MS: '5000' }).WORKER_LEASE_MS).toBe(5000);
    expect(() => loadConfig({ WORKER_LEASE_MS: '10' })).toThrow(/WORKER_LEASE_MS/);

    const instance = await db.prisma.odooInstance.create({
      data: {
        companyId: company.id,
        name: 'leased',
        database: 'leased',
        version: '17.0',
        status: 'RUNNING',
        instanceId: 'inst_leased',
      },
    });
    const operation = await db.prisma.operation.create({
      data: { companyId: company.id, instanceId: instance.id, subjectId: instance.id, kind: 'TEST_HANG' },
    });
    const ran: string[] = [];
    const hanging = (owner: string) =>
      createWorker({
        prisma: db.prisma,
        owner,
        leaseMs: 5000,
        handlers: {
          TEST_HANG: {
            async step() {
              ran.push(owner);
              return new Promise(() => {}); // never ends: the worker is gone
            },
          },
        },
      });

    void hanging('first').drain();
    await expect.poll(() => ran).toEqual(['first']);
    const held = await db.prisma.operation.findUniqueOrThrow({ where: { id: operation.id } });
    expect(held.leaseOwner).toBe('first');
    // Taken and stamped in one statement: the lease ends exactly leaseMs after the claim.
    expect(held.leaseExpiresAt!.getTime() - held.updatedAt.getTime()).toBe(5000);

    expect(await hanging('second').drain()).toBe(0);
    await expireLeases();
    void hanging('second').drain();
    await expect.poll(() => ran).toEqual(['first', 'second']);
    expect(await db.prisma.operation.findUniqueOrThrow({ where: { id: operation.id } })).toMatchObject({
      leaseOwner: 'second',
      attempts: 2,
    });
  });
});

describe('the lease of a poll', () => {
  it('keeps other replicas off until it expires, and only its holder releases it', async () => {
    const instance = await db.prisma.odooInstance.create({
      data: {
        companyId: company.id,
        name: 'polled',
        database: 'polled',
        version: '17.0',
        status: 'RUNNING',
        instanceId: 'inst_polled',
      },
    });
    expect(await claimInstance(db.prisma, 'replica-a', instance.id, 7000)).toMatchObject({ instanceId: instance.id });
    expect(await claimInstance(db.prisma, 'replica-b', instance.id, 7000)).toBeNull();
    const [left] = await db.prisma.$queryRaw<Array<{ ms: number }>>`
      SELECT round(extract(epoch FROM "leaseExpiresAt" - now()) * 1000)::int AS ms FROM "InstancePollState" WHERE "instanceId" = ${instance.id}::uuid`;
    expect(left?.ms).toBeGreaterThan(0);
    expect(left?.ms).toBeLessThanOrEqual(7000);

    await db.prisma.instancePollState.update({
      where: { instanceId: instance.id },
      data: { leaseExpiresAt: new Date(Date.now() - 1000) },
    });
    expect(await claimInstance(db.prisma, 'replica-b', instance.id, 7000)).toMatchObject({ instanceId: instance.id });
    // The replica that lost the lease cannot give back what is no longer its own.
    expect(await releaseUnpolled(db.prisma, 'replica-a', [instance.id])).toBe(0);
    expect(await db.prisma.instancePollState.findUniqueOrThrow({ where: { instanceId: instance.id } })).toMatchObject({
      leaseOwner: 'replica-b',
    });
    expect(await releaseUnpolled(db.prisma, 'replica-b', [instance.id])).toBe(1);
    expect(await db.prisma.instancePollState.findUniqueOrThrow({ where: { instanceId: instance.id } })).toMatchObject({
      leaseOwner: null,
      leaseExpiresAt: null,
    });
  });
});
