// Migrations in Prisma's standard folder layout (prisma/migrations/<name>/migration.sql),
// applied and diffed by Prisma's own schema engine, exactly as `prisma migrate deploy`
// and `prisma migrate diff` would.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { openSchemaEngine } from './schema-engine.js';

export interface MigrationPaths {
  schemaPath: string;
  migrationsDir: string;
}

const noFilters = { externalTables: [], externalEnums: [] };

export async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const lockfilePath = join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: await readFile(lockfilePath, 'utf8').catch(() => null),
    },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      folders.map(async (folder) => ({
        path: folder,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(join(migrationsDir, folder, 'migration.sql'), 'utf8').then(
            (sql) => ({ tag: 'ok' as const, value: sql }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

/** Applies every migration the database has not recorded yet; returns their names. */
export async function applyPendingMigrations(
  paths: MigrationPaths,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
): Promise<string[]> {
  const session = await openSchemaEngine(paths.schemaPath, adapterFactory);
  try {
    const migrationsList = await readMigrationList(paths.migrationsDir);
    const { appliedMigrationNames } = await session.engine.applyMigrations({
      migrationsList,
      filters: noFilters,
    });
    return appliedMigrationNames;
  } finally {
    await session.close();
  }
}

/**
 * The SQL that takes a database from the state the migrations folder describes to the
 * state the Prisma schema describes; empty when they agree. Replaying the migrations
 * needs a shadow database, which `adapterFactory.connectToShadowDb` provides.
 */
export async function diffMigrationsToSchema(
  paths: MigrationPaths,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
): Promise<string> {
  const session = await openSchemaEngine(paths.schemaPath, adapterFactory);
  try {
    const migrations = await readMigrationList(paths.migrationsDir);
    const from =
      migrations.migrationDirectories.length === 0
        ? ({ tag: 'empty' } as const)
        : ({ tag: 'migrations', ...migrations } as const);
    const schema = await readFile(paths.schemaPath, 'utf8');
    const result = await session.engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: paths.schemaPath, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    const sql = result.stdout ?? '';
    return /^\s*(--[^\n]*\n\s*)*$/.test(sql.endsWith('\n') ? sql : `${sql}\n`) ? '' : sql;
  } finally {
    await session.close();
  }
}
