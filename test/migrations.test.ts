import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { applyPendingMigrations, diffMigrationsToSchema, readMigrationList } from '../src/db/migrations.js';
import { projectPaths } from '../src/db/paths.js';
import { createEmptyDatabase } from './support/database.js';

const expectedTables = [
  'ApiKey',
  'AuditEvent',
  'Backup',
  'BackupPolicy',
  'Company',
  'Deployment',
  'DeploymentStatusChange',
  'FleetEventOutbox',
  'HealthSample',
  'IdempotencyKey',
  'InstancePollState',
  'LogEntry',
  'MetricSample',
  'OdooInstance',
  'Operation',
  'PollerTick',
  'Restore',
  'Template',
  'TemplateFile',
  'WebhookDelivery',
  'WebhookEndpoint',
  '_prisma_migrations',
];

async function tablesOf(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    return rows.map((row) => row.tablename);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('are standard Prisma migration folders', async () => {
    const list = await readMigrationList(projectPaths.migrationsDir);
    expect(list.lockfile.content).toContain('provider = "postgresql"');
    expect(list.migrationDirectories.length).toBeGreaterThan(0);
    for (const folder of list.migrationDirectories) {
      expect(folder.path).toMatch(/^\d{14}_[a-z0-9_]+$/);
      expect(folder.migrationFile.content.tag).toBe('ok');
    }
  });

  it('apply to an empty real PostgreSQL once, and a second run applies nothing', async () => {
    const database = await createEmptyDatabase();
    cleanups.push(database.drop);
    const adapter = new PrismaPg({ connectionString: database.url, max: 2 });
    const list = await readMigrationList(projectPaths.migrationsDir);
    expect(await applyPendingMigrations(projectPaths, adapter)).toEqual(list.migrationDirectories.map((d) => d.path));
    expect(await applyPendingMigrations(projectPaths, adapter)).toEqual([]);
    expect(await tablesOf(database.url)).toEqual(expectedTables);
  });

  it('apply to the embedded PostgreSQL (PGlite)', async () => {
    const embedded = await startEmbeddedPostgres({ dataDir: 'memory://' });
    cleanups.push(() => embedded.stop());
    const adapter = new PrismaPg({ connectionString: embedded.url, max: 2 });
    expect((await applyPendingMigrations(projectPaths, adapter)).length).toBeGreaterThan(0);
    expect(await tablesOf(embedded.url)).toEqual(expectedTables);
  });

  it('describe exactly prisma/schema.prisma (no migration is missing)', async () => {
    const [main, shadow] = await Promise.all([
      startEmbeddedPostgres({ dataDir: 'memory://' }),
      startEmbeddedPostgres({ dataDir: 'memory://' }),
    ]);
    cleanups.push(
      () => main.stop(),
      () => shadow.stop(),
    );
    const factory = new PrismaPg({ connectionString: main.url, max: 2 });
    // The engine replays the migrations in the shadow database, then compares.
    const diff = await diffMigrationsToSchema(projectPaths, {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: () => factory.connect(),
      connectToShadowDb: () => new PrismaPg({ connectionString: shadow.url, max: 2 }).connect(),
    });
    expect(diff).toBe('');
  });
});
