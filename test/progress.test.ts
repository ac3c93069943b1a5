// Progress of long operations through the API: a backup's current step, the steps
// ahead, its percent and timestamps, moving with each worker step, on the object and
// on `fleetEvents`; an instance's creation likewise while it runs.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { print } from 'graphql';
import { countingBytes } from '../src/services/backups/download-progress.js';
import { progressOf } from '../src/services/operations/progress.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BackupProgressDocument,
  CreateBackupDocument,
  CreateInstanceDocument,
  FleetProgressDocument,
  FleetStepProgressDocument,
  InstanceProgressDocument,
  type ProgressFragment,
} from './generated/graphql.js';
import { startFleet, type Fleet } from './support/fleet.js';
import { wsClient } from './support/server.js';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet('progress');
});
afterAll(async () => {
  await fleet?.stop();
});

describe('progress of long operations', () => {
  it('follows a backup step by step, on the backup and on fleetEvents', async () => {
    const instanceId = await fleet.runningInstance({ name: 'progressive' });
    const client = wsClient(fleet.server.wsUrl, fleet.company.token, true);
    const events: Array<{ kind: string; status: string; progress: ProgressFragment | null }> = [];
    const stop = client.subscribe(
      { query: print(FleetProgressDocument) },
      {
        next: (value) => events.push((value.data as { fleetEvents: (typeof events)[number] }).fleetEvents),
        error: () => {},
        complete: () => {},
      },
    );
    const steps: typeof events = [];
    const stopSteps = client.subscribe(
      { query: print(FleetStepProgressDocument) },
      {
        next: (value) => steps.push((value.data as { fleetProgress: (typeof events)[number] }).fleetProgress),
        error: () => {},
        complete: () => {},
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the subscription is registered

    const created = await fleet.gql(CreateBackupDocument, { input: { instanceId } });
    if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(created));
    const backupId = created.data.createBackup.backup.id;
    const progress = async () => (await fleet.gql(BackupProgressDocument, { id: backupId })).data!.backup!;

    const waiting = await progress();
    expect(waiting.progress).toMatchObject({
      state: 'WAITING',
      step: 'start',
      stepNumber: 1,
      stepsTotal: 3,
      percent: 0,
      finishedAt: null,
    });
    expect(waiting.progress!.stepsAhead).toEqual([
      'Waiting for the provider to finish the backup',
      "Copying the file to the fleet's storage",
    ]);

    const worker = fleet.worker();
    await worker.drain(); // asks the provider: now waiting for it
    const asked = await progress();
    expect(asked.progress).toMatchObject({ state: 'RUNNING', step: 'wait', stepNumber: 2, percent: 33 });
    expect(asked.progress!.stepsAhead).toEqual(["Copying the file to the fleet's storage"]);
    expect(Date.parse(asked.progress!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(waiting.progress!.updatedAt));

    for (let round = 0; round < 6 && (await progress()).status !== 'COMPLETED'; round += 1) {
      fleet.sim.advance(1000);
      await worker.drain();
    }
    const done = await progress();
    expect(done).toMatchObject({
      status: 'COMPLETED',
      progress: { state: 'SUCCEEDED', percent: 100, stepsAhead: [], stepNumber: 3 },
    });
    expect(done.progress!.finishedAt).not.toBeNull();

    // Each status change on fleetEvents carried the progress as it stood.
    await vi.waitFor(() => expect(events.filter((event) => event.kind === 'BACKUP').at(-1)?.status).toBe('COMPLETED'));
    const backupEvents = events.filter((event) => event.kind === 'BACKUP');
    const percents = backupEvents.map((event) => event.progress!.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(new Set(percents).size).toBeGreaterThan(1);
    // fleetEvents stays one event per status change; fleetProgress has one per step.
    expect(backupEvents.map((event) => event.status)).toEqual(
      ['PENDING', 'IN_PROGRESS', 'DOWNLOADING', 'COMPLETED'].filter((status) =>
        backupEvents.some((event) => event.status === status),
      ),
    );
    expect(new Set(backupEvents.map((event) => event.status)).size).toBe(backupEvents.length);
    await vi.waitFor(() =>
      expect(steps.filter((step) => step.kind === 'BACKUP').map((step) => step.progress!.step)).toEqual([
        'wait',
        'download',
      ]),
    );
    expect(steps.filter((step) => step.kind === 'BACKUP').map((step) => step.progress!.percent)).toEqual([33, 67]);
    stopSteps();
    stop();
    await client.dispose();
  });

  it("shows an instance's creation while it runs, and nothing once it is done", async () => {
    const created = await fleet.gql(CreateInstanceDocument, { input: { name: 'growing', version: '17.0' } as never });
    if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
    const id = created.data.createInstance.instance.id;
    const during = (await fleet.gql(InstanceProgressDocument, { id })).data!.instance!;
    expect(during.progress).toMatchObject({ state: 'WAITING', step: 'start', stepsTotal: 2, percent: 0 });
    const worker = fleet.worker();
    for (
      let round = 0;
      round < 4 && (await fleet.gql(InstanceProgressDocument, { id })).data!.instance!.status !== 'RUNNING';
      round += 1
    ) {
      await worker.drain();
      fleet.sim.advance(1000);
    }
    expect((await fleet.gql(InstanceProgressDocument, { id })).data!.instance).toMatchObject({
      status: 'RUNNING',
      progress: null,
    });
  });
});

describe('progress of a backup download', () => {
  it('counts the bytes copied without losing any, and moves the percent with them', async () => {
    const reports: number[] = [];
    const copied = await text(countingBytes(Readable.from(['abcd', 'efgh', 'ij']), (bytes) => reports.push(bytes), 0));
    expect(copied).toBe('abcdefghij');
    expect(reports).toEqual([4, 8, 10]);

    const row = {
      id: 'op',
      kind: 'BACKUP' as const,
      status: 'RUNNING' as const,
      step: 'download',
      createdAt: new Date(),
      updatedAt: new Date(),
      finishedAt: null,
      error: null,
    };
    expect(progressOf({ ...row, state: {} }).percent).toBe(67);
    expect(progressOf({ ...row, state: { bytesDone: 50, bytesTotal: 100 } }).percent).toBe(83);
    expect(progressOf({ ...row, state: { bytesDone: 100, bytesTotal: 100 } }).percent).toBe(99);
    expect(progressOf({ ...row, state: { bytesDone: 50, bytesTotal: null } }).percent).toBe(67);
  });
});
