// Creating an object is a status change like any other: its first status is written to
// the fleet event outbox in the transaction that creates it, so webhooks learn of it from
// the outbox (never from a side path that a crash after the commit could skip), and the
// live event is that outbox row. A replayed request records nothing twice.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetPubSub, type FleetEventPayload } from '../src/pubsub.js';
import { CreateBackupDocument, CreateInstanceDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;
const pubsub = createFleetPubSub();
const published: FleetEventPayload[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'creations');
  server = await startTestServer(db.prisma, { pubsub });
  const events = pubsub.subscribe('fleetEvents', company.id)[Symbol.asyncIterator]();
  void (async () => {
    for (let next = await events.next(); !next.done; next = await events.next()) published.push(next.value);
  })();
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const outboxOf = (subjectId: string) =>
  db.prisma.fleetEventOutbox.findMany({ where: { subjectId }, orderBy: { occurredAt: 'asc' } });

describe('the status event of a creation', () => {
  it('of an instance is in the outbox, published as that row, once per idempotent request', async () => {
    const create = () =>
      execute(server.httpUrl, CreateInstanceDocument, {
        token: company.token,
        variables: { input: { name: 'fresh', version: '17.0', idempotencyKey: 'fresh-1' } },
      });
    const created = await create();
    if (created.data?.createInstance.__typename !== 'CreateInstanceSuccess') throw new Error(JSON.stringify(created));
    const rowId = decodeGlobalID(created.data.createInstance.instance.id).id;

    const [row, ...more] = await outboxOf(rowId);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      companyId: company.id,
      kind: 'INSTANCE',
      subjectId: rowId,
      instanceId: rowId,
      status: 'CREATING',
      relayedAt: null,
    });
    await expect
      .poll(() => published.filter((event) => event.subjectId === rowId))
      .toEqual([expect.objectContaining({ eventId: row!.id, kind: 'INSTANCE', status: 'CREATING' })]);

    const replayed = await create();
    expect(replayed.data?.createInstance).toEqual(created.data.createInstance);
    expect(await outboxOf(rowId)).toHaveLength(1);
  });

  it('of a backup is in the outbox with the instance it belongs to', async () => {
    const instance = await db.prisma.odooInstance.create({
      data: {
        companyId: company.id,
        name: 'backed',
        database: 'backed',
        version: '17.0',
        status: 'RUNNING',
        instanceId: 'inst_backed',
      },
    });
    const created = await execute(server.httpUrl, CreateBackupDocument, {
      token: company.token,
      variables: { input: { instanceId: encodeGlobalID('OdooInstance', instance.id) } },
    });
    if (created.data?.createBackup.__typename !== 'CreateBackupSuccess') throw new Error(JSON.stringify(created));
    const backupId = decodeGlobalID(created.data.createBackup.backup.id).id;

    const rows = await outboxOf(backupId);
    expect(rows).toEqual([expect.objectContaining({ kind: 'BACKUP', instanceId: instance.id, status: 'PENDING' })]);
    await expect
      .poll(() => published.filter((event) => event.subjectId === backupId).map((event) => event.eventId))
      .toEqual([rows[0]!.id]);
  });
});
