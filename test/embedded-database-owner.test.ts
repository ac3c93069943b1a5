// One process owns the embedded database folder: the CLI run beside `npm start` works
// through the server's database, and a second server is refused with a clear message.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/paths.js';
import { ViewerDocument } from './generated/graphql.js';
import { execute, TEST_KEY_SPEC } from './support/server.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const run = promisify(execFile);
let dataRoot: string;
let env: Record<string, string>;
let server: ServerProcess;

beforeAll(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), 'fleet-owner-'));
  // The embedded default, as on a fresh clone: no DATABASE_URL.
  env = {
    PGLITE_DATA_DIR: join(dataRoot, 'pglite'),
    ENCRYPTION_KEYS: TEST_KEY_SPEC,
    BACKUP_STORAGE_DIR: join(dataRoot, 'backups'),
  };
  server = await startServerProcess(env);
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  await rm(dataRoot, { recursive: true, force: true });
});

async function runTsx(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const inherited = { ...process.env };
  delete inherited.DATABASE_URL;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: projectRoot,
      env: { ...inherited, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the embedded database folder', () => {
  it('lets the CLI create a key through the running server, and the server accepts that key', async () => {
    const company = await runTsx('src/cli.ts', ['create-company', '--name', 'Owner Test', '--slug', 'owner-test']);
    expect(company).toMatchObject({ code: 0, stdout: expect.stringMatching(/Created company owner-test/) });
    expect(company.stderr).toMatch(/is held by process \d+: working through it/);

    const created = await runTsx('src/cli.ts', [
      'create-api-key',
      '--company',
      'owner-test',
      '--name',
      'newcomer',
      '--role',
      'admin',
    ]);
    expect(created.code).toBe(0);
    const token = /Token \(shown once, store it now\): (\S+)/.exec(created.stdout)![1]!;

    const viewer = await execute(`http://127.0.0.1:${server.port}/graphql`, ViewerDocument, { token });
    expect(viewer.status).toBe(200);
    expect(viewer.data?.viewer).toMatchObject({ role: 'ADMIN', company: { name: 'Owner Test' } });
  });

  it('refuses a second server with one line naming the folder and the process holding it', async () => {
    const second = await runTsx('src/server.ts', []);
    expect(second.code).toBe(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `The embedded database folder ${join(dataRoot, 'pglite')} is in use by process ${server.child.pid}`,
    );
    expect(lines[0]).toMatch(/set PGLITE_DATA_DIR to another folder/);
  });
});
