// A kind of long operation added by a definition alone: declared here (a test-only kind
// the fleet does not know), it is recorded with checked input, run by an ordinary worker,
// resumed by another worker after the first one dies holding its lease, and its status
// changes reach fleetEvents and the outbox, without any change to the rest of the code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFleetPubSub, type FleetEventPayload } from '../src/pubsub.js';
import { busyWith } from '../src/services/backups/backups.js';
import { transition } from '../src/services/events/transitions.js';
import { defineOperation } from '../src/services/operations/define.js';
import { handlersOf, OPERATION_DEFINITIONS } from '../src/services/operations/handlers.js';
import { progressOf } from '../src/services/operations/progress.js';
import { publishStepChange } from '../src/services/operations/progress-events.js';
import { createWorker } from '../src/services/operations/worker.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';

let db: TestDatabase;
let company: SeededCompany;
const pubsub = createFleetPubSub();

/** What the test kind's steps did, in order, by the worker that ran them. */
const calls: string[] = [];

interface TouchDeps {
  prisma: TestDatabase['prisma'];
  pubsub: typeof pubsub;
  worker: string;
  /** a step that never returns: the worker running it is gone */
  dieIn?: string;
}

const touchOperation = defineOperation({
  kind: 'TEST_MAINTENANCE_WINDOW',
  input: z.object({ reason: z.string().min(3), minutes: z.number().int().positive() }),
  subject: 'INSTANCE',
  excludes: ['TEST_MAINTENANCE_WINDOW', 'BACKUP'],
  steps: {
    start: 'Putting the instance in maintenance',
    wait: 'Waiting for the window to end',
    finish: 'Bringing the instance back',
  },
  run: (deps: TouchDeps) => ({
    steps: {
      async start({ operation, input }) {
        calls.push(`${deps.worker}:start:${input.reason}:${input.minutes}`);
        await transition(deps, 'INSTANCE', operation.subjectId!, 'MAINTENANCE', { statusMessage: input.reason });
        return { next: 'wait', state: { minutesLeft: input.minutes } };
      },
      async wait({ operation }) {
        calls.push(`${deps.worker}:wait`);
        if (deps.dieIn === 'wait') return new Promise(() => {});
        return operation.attempts > 1 ? { next: 'finish' } : { next: 'wait' };
      },
      async finish({ operation }) {
        calls.push(`${deps.worker}:finish`);
        await transition(deps, 'INSTANCE', operation.subjectId!, 'RUNNING', { statusMessage: null });
        return { done: true };
      },
    },
    async onFailure(operation, reason) {
      await transition(deps, 'INSTANCE', operation.subjectId!, 'ERROR', { statusMessage: reason });
    },
  }),
});

const definitions = [...OPERATION_DEFINITIONS, touchOperation];

function workerNamed(worker: string, dieIn?: string) {
  const deps = { prisma: db.prisma, pubsub, worker, dieIn };
  return createWorker({
    prisma: db.prisma,
    owner: worker,
    // Only the test kind: the fleet's own kinds have no rows here anyway.
    handlers: handlersOf([touchOperation], deps),
    onSettled: (operation, outcome) => publishStepChange(deps, operation, outcome, definitions),
  });
}

async function instanceRow(name: string) {
  return db.prisma.odooInstance.create({
    data: {
      companyId: company.id,
      name,
      database: name,
      version: '17.0',
      status: 'RUNNING',
      instanceId: `inst_${name}`,
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'definitions');
});

afterAll(async () => {
  await db?.drop();
});

describe('an operation kind declared by its definition alone', () => {
  it('is recorded with checked input and refuses input its schema rejects', async () => {
    const instance = await instanceRow('checked');
    await expect(
      db.prisma.$transaction((tx) =>
        touchOperation.record(tx, {
          companyId: company.id,
          instanceId: instance.id,
          subjectId: instance.id,
          input: { reason: 'x', minutes: 0 },
        }),
      ),
    ).rejects.toThrow(/reason|minutes/);
    expect(await db.prisma.operation.count({ where: { instanceId: instance.id } })).toBe(0);

    const recorded = await db.prisma.$transaction((tx) =>
      touchOperation.record(tx, {
        companyId: company.id,
        instanceId: instance.id,
        subjectId: instance.id,
        input: { reason: 'disk swap', minutes: 5 },
      }),
    );
    expect(recorded).toMatchObject({
      kind: 'TEST_MAINTENANCE_WINDOW',
      step: 'start',
      status: 'PENDING',
      input: { reason: 'disk swap', minutes: 5 },
    });
    // Its exclusion rule is its own: a second window, or a backup, waits for it.
    expect(await db.prisma.$transaction((tx) => busyWith(tx, instance.id, touchOperation))).toBe(
      'test maintenance window',
    );
    await db.prisma.operation.update({ where: { id: recorded.id }, data: { status: 'CANCELLED' } });
    expect(await db.prisma.$transaction((tx) => busyWith(tx, instance.id, touchOperation))).toBeNull();
  });

  it('runs, resumes on another worker after the first dies holding its lease, and publishes its events', async () => {
    const instance = await instanceRow('windowed');
    const fleet: FleetEventPayload[] = [];
    const steps: FleetEventPayload[] = [];
    const fleetEvents = pubsub.subscribe('fleetEvents', company.id)[Symbol.asyncIterator]();
    const progressEvents = pubsub.subscribe('operationProgress', company.id)[Symbol.asyncIterator]();
    void (async () => {
      for (let next = await fleetEvents.next(); !next.done; next = await fleetEvents.next()) fleet.push(next.value);
    })();
    void (async () => {
      for (let next = await progressEvents.next(); !next.done; next = await progressEvents.next())
        steps.push(next.value);
    })();

    const operation = await db.prisma.$transaction((tx) =>
      touchOperation.record(tx, {
        companyId: company.id,
        instanceId: instance.id,
        subjectId: instance.id,
        input: { reason: 'kernel update', minutes: 30 },
      }),
    );

    // The first worker starts it, then dies in the middle of its wait step.
    const doomed = workerNamed('doomed', 'wait');
    expect(await doomed.drain()).toBe(1);
    void doomed.drain();
    await expect.poll(() => calls.at(-1)).toBe('doomed:wait');
    expect((await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: instance.id } })).status).toBe('MAINTENANCE');
    const held = await db.prisma.operation.findUniqueOrThrow({ where: { id: operation.id } });
    expect(held).toMatchObject({ status: 'RUNNING', step: 'wait', leaseOwner: 'doomed' });
    expect(progressOf(held, definitions)).toMatchObject({
      step: 'wait',
      stepLabel: 'Waiting for the window to end',
      stepNumber: 2,
      stepsTotal: 3,
    });

    // While the lease holds, nobody else takes it; once it has expired (the clock moved on), a survivor does.
    const survivor = workerNamed('survivor');
    expect(await survivor.drain()).toBe(0);
    await db.prisma.operation.update({
      where: { id: operation.id },
      data: { leaseExpiresAt: new Date(Date.now() - 1000) },
    });
    while ((await db.prisma.operation.findUniqueOrThrow({ where: { id: operation.id } })).status !== 'SUCCEEDED') {
      expect(await survivor.drain()).toBeGreaterThan(0);
    }

    // The dead worker's try of `wait` counts: the survivor's is the second, which moves on.
    expect(calls).toEqual(['doomed:start:kernel update:30', 'doomed:wait', 'survivor:wait', 'survivor:finish']);
    const finished = await db.prisma.operation.findUniqueOrThrow({ where: { id: operation.id } });
    expect(finished).toMatchObject({ status: 'SUCCEEDED', leaseOwner: null, state: { minutesLeft: 30 } });
    expect(progressOf(finished, definitions)).toMatchObject({ state: 'SUCCEEDED', percent: 100 });
    expect((await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: instance.id } })).status).toBe('RUNNING');

    // Its status changes are fleet events, each written to the outbox; its step changes are progress events.
    await expect
      .poll(() => fleet.map((event) => `${event.kind}:${event.status}`))
      .toEqual(['INSTANCE:MAINTENANCE', 'INSTANCE:RUNNING']);
    const outbox = await db.prisma.fleetEventOutbox.findMany({
      where: { subjectId: instance.id },
      orderBy: { occurredAt: 'asc' },
    });
    expect(outbox.map((row) => row.status)).toEqual(['MAINTENANCE', 'RUNNING']);
    expect(fleet.map((event) => event.eventId)).toEqual(outbox.map((row) => row.id));
    // (start → wait, wait → finish: the instance is in maintenance at both)
    await expect
      .poll(() => steps.map((event) => `${event.kind}:${event.subjectId === instance.id}:${event.status}`))
      .toEqual(['INSTANCE:true:MAINTENANCE', 'INSTANCE:true:MAINTENANCE']);
    await Promise.all([fleetEvents.return?.(), progressEvents.return?.()]);
  });

  it('fails, through its onFailure, when its stored input no longer parses', async () => {
    const instance = await instanceRow('garbled');
    const operation = await db.prisma.$transaction((tx) =>
      touchOperation.record(tx, {
        companyId: company.id,
        instanceId: instance.id,
        subjectId: instance.id,
        input: { reason: 'fine', minutes: 1 },
      }),
    );
    await db.prisma.operation.update({ where: { id: operation.id }, data: { input: { reason: 42 } } });
    expect(await workerNamed('strict').drain()).toBe(1);
    const failed = await db.prisma.operation.findUniqueOrThrow({ where: { id: operation.id } });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/stored input of this TEST_MAINTENANCE_WINDOW operation is not valid/);
    expect(await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: instance.id } })).toMatchObject({
      status: 'ERROR',
      statusMessage: failed.error,
    });
  });
});
