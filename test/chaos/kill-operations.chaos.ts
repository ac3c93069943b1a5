// Durable operations under kill -9: a real server process takes backup requests (each
// client retries with its idempotency key until the server answers, as a real client
// would) and is killed with SIGKILL at random moments, then started again. At the end
// every requested backup must be finished (0 stuck), done once at the provider (0
// duplicated) and on record (0 lost), its file stored whole.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdooShSimulator } from '../../src/doubles/odoo-sh/simulator.js';
import { CreateBackupDocument } from '../generated/graphql.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startSimulator, type SimulatorHarness } from '../support/odoo-sh.js';
import { seedCompany, seedRunningInstance, type SeededCompany } from '../support/seed.js';
import { seededRandom } from '../../src/seeded-random.js';
import { TEST_KEY_SPEC } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const OPERATIONS = Number(process.env.CHAOS_OPERATIONS ?? 24);
const KILLS = Number(process.env.CHAOS_KILLS ?? 8);
const BACKUP_BYTES = 256 * 1024 + 11;

let db: TestDatabase;
let sim: SimulatorHarness;
let company: SeededCompany;
let storage: string;
let server: ServerProcess | undefined;
const instances: Array<{ id: string; providerId: string }> = [];

function start() {
  return startServerProcess({
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_KEY_SPEC,
    ODOO_SH_API_BASE_URL: sim.baseUrl,
    ODOO_SH_API_TOKEN: 'operations-token',
    POLLER_ENABLED: 'false',
    WORKER_POLL_MS: '200',
    BACKUP_STORAGE_DIR: storage,
    BACKUP_POLICY_CRON: '0 0 1 1 *',
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Real time: statuses move on while the server is down, as they would at Odoo.sh.
  sim = await startSimulator({ now: Date.now }, Date.now());
  company = await seedCompany(db.prisma, 'killed');
  storage = await mkdtemp(join(tmpdir(), 'fleet-kill-'));
  const { provider } = sim.client();
  for (let index = 0; index < OPERATIONS; index += 1) {
    const name = `killed-${index}`;
    const row = await seedRunningInstance(db.prisma, provider, company.id, name);
    instances.push({ id: row.id, providerId: row.providerId });
  }
  await new Promise((resolve) => setTimeout(resolve, 1100)); // all running at the simulator
}, 120_000);

afterAll(async () => {
  await server?.stop('SIGKILL');
  await sim?.close();
  await db?.drop();
  await rm(storage, { recursive: true, force: true });
});

/** Asks for a backup until the server answers (it may be dead or restarting). */
async function requestBackup(
  instanceId: string,
  key: string,
  current: () => ServerProcess | undefined,
): Promise<string> {
  for (;;) {
    const port = current()?.port;
    if (port) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${company.token}` },
          body: JSON.stringify({
            query: print(CreateBackupDocument),
            variables: { input: { instanceId: encodeGlobalID('OdooInstance', instanceId), idempotencyKey: key } },
          }),
          signal: AbortSignal.timeout(5000),
        });
        const result = (await response.json()) as {
          data?: { createBackup?: { __typename: string; backup?: { id: string } } };
        };
        const backupId = result.data?.createBackup?.backup?.id;
        if (backupId) return backupId;
        throw new Error(`unexpected answer ${JSON.stringify(result)}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('unexpected answer')) throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('operations under kill -9', () => {
  it('all finish, none duplicated, none lost', async () => {
    const random = seededRandom(22);
    let live: ServerProcess | undefined;
    const requests = instances.map(async (instance, index) => {
      await new Promise((resolve) => setTimeout(resolve, index * 400 + random() * 400));
      return { instance, backupGlobalId: await requestBackup(instance.id, `chaos-${instance.id}`, () => live) };
    });
    for (let kill = 0; kill < KILLS; kill += 1) {
      live = server = await start();
      await new Promise((resolve) => setTimeout(resolve, 1000 + random() * 2500));
      live = undefined;
      await server.stop('SIGKILL');
    }
    live = server = await start();
    const acknowledged = await Promise.all(requests);

    const terminal = ['COMPLETED', 'FAILED', 'EXPIRED'];
    const settle = async () =>
      db.prisma.backup.count({ where: { companyId: company.id, status: { notIn: terminal as never } } });
    await expect.poll(settle, { timeout: 90_000, interval: 500 }).toBe(0);
    await server.stop();
    server = undefined;

    const backups = await db.prisma.backup.findMany({ where: { companyId: company.id } });
    const finished = backups.filter((backup) => backup.status === 'COMPLETED');
    const stuck = backups.filter((backup) => !terminal.includes(backup.status)).length;
    const atProvider = new Map<string, number>();
    for (const backup of sim.simulator.backups.values())
      atProvider.set(backup.instanceId, (atProvider.get(backup.instanceId) ?? 0) + 1);
    const duplicated = [...atProvider.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
    const lost = instances.filter((instance) => !backups.some((backup) => backup.instanceId === instance.id)).length;
    let intact = 0;
    for (const backup of finished) {
      if (!backup.storageKey || !backup.backupId) continue;
      const stored = await readFile(join(storage, backup.storageKey)).catch(() => null);
      const expected = createHash('sha256');
      for (const chunk of OdooShSimulator.fileChunks(backup.backupId, BACKUP_BYTES)) expected.update(chunk);
      if (stored && createHash('sha256').update(stored).digest('hex') === expected.digest('hex')) intact += 1;
    }
    const figures = {
      kills: KILLS,
      requested: OPERATIONS,
      acknowledged: acknowledged.length,
      finished: finished.length,
      stuck,
      duplicated,
      lost,
      filesIntact: intact,
    };
    process.stdout.write(`\nchaos: operations under kill -9 ${JSON.stringify(figures)}\n`);

    expect(backups).toHaveLength(OPERATIONS);
    expect(finished).toHaveLength(OPERATIONS);
    expect({ stuck, duplicated, lost }).toEqual({ stuck: 0, duplicated: 0, lost: 0 });
    expect(intact).toBe(OPERATIONS);
  });
});
