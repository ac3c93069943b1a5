// `npm run db:migrate` applies pending migrations; `npm run db:migration -- <name>`
// writes the next migration folder from the difference between the migrations and
// prisma/schema.prisma. Both use DATABASE_URL, or the embedded database by default.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { loadConfig } from '../config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { applyPendingMigrations, diffMigrationsToSchema } from './migrations.js';
import { projectPaths } from './paths.js';

/**
 * Replays the migrations in a throw-away in-memory PGlite instead of creating a
 * shadow database on the target server, so no CREATEDB right is needed anywhere.
 */
function withInMemoryShadow(factory: PrismaPg): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => factory.connect(),
    async connectToShadowDb() {
      const shadow = await startEmbeddedPostgres({ dataDir: 'memory://' });
      const adapter = await new PrismaPg({ connectionString: shadow.url, max: 2 }).connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await shadow.stop();
      };
      return adapter;
    },
  };
}

function migrationFolderName(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  if (!slug) throw new Error('Give the migration a name: npm run db:migration -- <name>');
  return `${stamp}_${slug}`;
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const config = loadConfig(process.env);
  const embedded = config.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: config.PGLITE_DATA_DIR });
  const factory = new PrismaPg({ connectionString: config.DATABASE_URL ?? embedded!.url, max: 2 });
  try {
    if (command === 'migrate') {
      const applied = await applyPendingMigrations(projectPaths, factory);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    } else if (command === 'create') {
      const sql = await diffMigrationsToSchema(projectPaths, withInMemoryShadow(factory));
      if (!sql) {
        console.log('prisma/schema.prisma and the migrations agree: no migration written.');
        return;
      }
      const folder = join(projectPaths.migrationsDir, migrationFolderName(name ?? ''));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'migration.sql'), sql);
      console.log(`Wrote ${folder}/migration.sql`);
    } else {
      throw new Error(`Unknown command "${command}": use "migrate" or "create <name>".`);
    }
  } finally {
    await embedded?.stop();
  }
}

// Exit explicitly: a driver keeps an idle timer after migrations (see cli.ts).
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
