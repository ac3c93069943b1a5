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

const clusterScript = join(projectRoot, '.ci/test-postgres.sh');

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The server to test against, and how to stop it if this run started it. */
async function adminServer(): Promise<{ url: string; stop(): void }> {
  if (process.env.TEST_DATABASE_URL) return { url: process.env.TEST_DATABASE_URL, stop: () => {} };
  const url = execFileSync('bash', [clusterScript, 'url'], { encoding: 'utf8' }).trim();
  // A cluster someone already runs (e.g. between watch runs) is theirs to stop.
  if (await answers(url)) return { url, stop: () => {} };
  execFileSync('bash', [clusterScript, 'start'], { encoding: 'utf8' });
  return { url, stop: () => void execFileSync('bash', [clusterScript, 'stop']) };
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
  const server = await adminServer();
  const serverUrl = server.url;
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
  return async () => {
    // Test files drop their own databases; the template goes too, and the cluster this run started.
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup
      .connect()
      .then(() => cleanup.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`))
      .catch(() => {});
    await cleanup.end().catch(() => {});
    server.stop();
  };
}
