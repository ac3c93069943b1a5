// Runs once per test run: finds the real PostgreSQL server (TEST_DATABASE_URL, or the
// private cluster of .ci/test-postgres.sh), and builds a template database with every
// migration applied. Each test file then clones it, which takes milliseconds.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyPendingMigrations } from '../../src/db/migrations.js';
import { projectPaths, projectRoot } from '../../src/db/paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDatabase: string;
  }
}

function adminUrl(): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  return execFileSync('bash', [join(projectRoot, '.ci/test-postgres.sh'), 'start'], { encoding: 'utf8' }).trim();
}

function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const folder of readdirSync(projectPaths.migrationsDir).sort()) {
    if (folder.endsWith('.toml')) continue;
    hash.update(folder).update(readFileSync(join(projectPaths.migrationsDir, folder, 'migration.sql')));
  }
  return hash.digest('hex').slice(0, 12);
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = adminUrl();
  const template = `fleet_template_${migrationsFingerprint()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  const adapter = new PrismaPg({ connectionString: databaseUrl(serverUrl, template), max: 2 });
  await applyPendingMigrations(projectPaths, adapter);
  project.provide('pgAdminUrl', serverUrl);
  project.provide('templateDatabase', template);
  return async () => {};
}
