// The operator CLI bootstraps a company and its first key, and rotates keys.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/paths.js';
import { authenticate } from '../src/services/auth/authenticate.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { TEST_KEY_SPEC } from './support/server.js';

const run = promisify(execFile);
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: db.url, ENCRYPTION_KEYS: TEST_KEY_SPEC, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('cli', () => {
  it('creates a company and its first admin key, whose token works', async () => {
    expect((await cli(['create-company', '--name', 'Umbrella', '--slug', 'umbrella'])).stdout).toMatch(
      /Created company umbrella/,
    );
    const created = await cli(['create-api-key', '--company', 'umbrella', '--name', 'first admin', '--role', 'admin']);
    expect(created.code).toBe(0);
    const token = /Token \(shown once, store it now\): (\S+)/.exec(created.stdout)![1]!;
    const caller = await authenticate({ prisma: db.prisma, sql: db.sql }, token);
    expect(caller).toMatchObject({ kind: 'apiKey', role: 'ADMIN' });
    expect(await db.prisma.auditEvent.count({ where: { details: { path: ['via'], equals: 'cli' } } })).toBe(2);
  });

  it('explains a mistake instead of failing obscurely', async () => {
    const unknown = await cli(['create-api-key', '--company', 'nope', '--name', 'x', '--role', 'ADMIN']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No company with slug "nope"/);
    const invalid = await cli(['create-company', '--name', 'X', '--slug', 'Bad Slug']);
    expect(invalid.stderr).toMatch(/slug: must be 1-63 lowercase/);
    expect((await cli(['frobnicate'])).stderr).toMatch(/Usage: npm run cli/);
  });

  it('rotates keys to the first of ENCRYPTION_KEYS', async () => {
    const result = await cli(['rotate-keys'], {
      ENCRYPTION_KEYS: `new1:${Buffer.alloc(32, 7).toString('base64')},${TEST_KEY_SPEC}`,
    });
    expect(result.stdout).toMatch(/Key new1: 0 secrets re-encrypted, 0 remaining/);
  });
});
