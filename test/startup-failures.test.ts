// Start-up failures an operator can fix are one line naming the setting and the fix,
// with exit code 1 and no stack trace (unless LOG_LEVEL=debug).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/paths.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { TEST_KEY_SPEC } from './support/server.js';

const run = promisify(execFile);
let db: TestDatabase;
let dataRoot: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dataRoot = await mkdtemp(join(tmpdir(), 'fleet-startup-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dataRoot, { recursive: true, force: true });
});

async function startServer(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const inherited = { ...process.env };
  for (const name of ['DATABASE_URL', 'ENCRYPTION_KEYS', 'PORT', 'PGLITE_DATA_DIR']) delete inherited[name];
  const base = {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    ENCRYPTION_KEYS: TEST_KEY_SPEC,
    DATABASE_URL: db.url,
    WORKER_ENABLED: 'false',
    POLLER_ENABLED: 'false',
  };
  try {
    await run(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: projectRoot,
      env: { ...inherited, ...base, ...env },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

function listening(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

/** the single line printed, after checking there is exactly one and no stack trace */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('start-up failures', () => {
  it('a port in use', async () => {
    const { server, port } = await listening();
    try {
      const result = await startServer({ PORT: String(port) });
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(
        `PORT ${port} on 127.0.0.1 is already in use: stop the process using it, or set PORT to a free port.`,
      );
    } finally {
      server.close();
    }
  });

  it('an encryption key of the wrong length', async () => {
    const result = await startServer({ ENCRYPTION_KEYS: `k1:${Buffer.alloc(16, 7).toString('base64')}` });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe(
      'ENCRYPTION_KEYS: key "k1" must be 32 bytes (base64 of 32 random bytes); generate a key with `npm run cli -- generate-key --id <id>`.',
    );
  });

  it('a database that does not answer, after retrying for the configured time', async () => {
    const { server, port } = await listening();
    server.close();
    const started = Date.now();
    const result = await startServer({
      DATABASE_URL: `postgresql://fleet:secret@127.0.0.1:${port}/fleet`,
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe(
      `DATABASE_URL: cannot reach the database at 127.0.0.1:${port} (ECONNREFUSED) after 2 s of retries: start PostgreSQL there or fix the URL (DATABASE_CONNECT_TIMEOUT_MS sets how long to wait).`,
    );
  });

  it('a data folder that cannot be created, and one that never answers', async () => {
    const file = join(dataRoot, 'a-file');
    await writeFile(file, 'not a folder');
    const notAFolder = await startServer({ DATABASE_URL: '', PGLITE_DATA_DIR: join(file, 'pglite') });
    expect(notAFolder.code).toBe(1);
    expect(oneLine(notAFolder.stderr)).toBe(
      `PGLITE_DATA_DIR: ${join(file, 'pglite')} cannot be used as the embedded database folder (ENOTDIR): set it to a writable folder.`,
    );

    // Node's recursive mkdir never returns for a path under /proc: a deadline, not a hang.
    const hanging = await startServer({ DATABASE_URL: '', PGLITE_DATA_DIR: '/proc/x' });
    expect(hanging.code).toBe(1);
    expect(oneLine(hanging.stderr)).toBe(
      'PGLITE_DATA_DIR: /proc/x cannot be used as the embedded database folder (no answer from the file system in 10 s): set it to a writable folder.',
    );
  });

  it('shows the stack trace with LOG_LEVEL=debug', async () => {
    const result = await startServer({
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(16, 7).toString('base64')}`,
      LOG_LEVEL: 'debug',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toMatch(/^ENCRYPTION_KEYS: key "k1" must be 32 bytes/);
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});
