// Boots the real server process on the embedded PostgreSQL, as `npm start` does on a
// fresh machine, and talks to it over HTTP and graphql-ws.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TypenameDocument } from './generated/graphql.js';
import { execute, executeOverWs, wsClient } from './support/server.js';
import { startServerProcess } from './support/server-process.js';

describe('the server process on the embedded default', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('starts with no database installed, answers over HTTP and graphql-ws, stops cleanly, and restarts on the same data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fleet-smoke-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { PGLITE_DATA_DIR: join(dataDir, 'pglite') };

    const first = await startServerProcess(env);
    cleanups.push(() => first.stop('SIGKILL'));
    const base = `127.0.0.1:${first.port}/graphql`;
    expect(first.logs.some((entry) => String(entry.message).startsWith('applied migrations'))).toBe(true);

    const overHttp = await execute(`http://${base}`, TypenameDocument);
    expect(overHttp.data).toEqual({ __typename: 'Query' });
    expect((await fetch(`http://127.0.0.1:${first.port}/health`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${first.port}/ready`)).json()).toEqual({ status: 'ready' });
    const graphiql = await fetch(`http://${base}`, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toMatch(/graphiql/i);

    const client = wsClient(`ws://${base}`);
    expect((await executeOverWs(client, TypenameDocument)).data).toEqual({ __typename: 'Query' });
    await client.dispose();

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.logs.map((entry) => entry.message)).toContain('stopped');

    const second = await startServerProcess(env);
    cleanups.push(() => second.stop('SIGKILL'));
    expect(second.logs.some((entry) => String(entry.message).startsWith('applied migrations'))).toBe(false);
    const ready = second.logs.find((entry) => String(entry.message).includes('ready at'));
    expect(ready).toMatchObject({ database: 'embedded' });
    const again = await execute(`http://127.0.0.1:${second.port}/graphql`, TypenameDocument);
    expect(again.data).toEqual({ __typename: 'Query' });
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('refuses to start on invalid configuration, naming the variable', async () => {
    await expect(startServerProcess({ PORT: 'eighty' }, 30_000)).rejects.toThrow(/PORT:/);
  });
});
