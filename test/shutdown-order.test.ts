// SIGTERM on a real server process: /ready answers 503 first, then the open SSE and
// graphql-ws subscriptions receive a SHUTTING_DOWN result and complete, then the process
// exits, in that order and well within SHUTDOWN_TIMEOUT_MS.
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetEventsDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { TEST_KEY_SPEC, wsClient } from './support/server.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const SHUTDOWN_TIMEOUT_MS = 20_000;
let db: TestDatabase;
let company: SeededCompany;
let server: ServerProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'draining');
  server = await startServerProcess({
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_KEY_SPEC,
    POLLER_ENABLED: 'false',
    WORKER_ENABLED: 'false',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    SHUTDOWN_READY_GRACE_MS: '500',
    BACKUP_STORAGE_DIR: '/tmp/fleet-shutdown-order-backups',
  });
}, 120_000);
afterAll(async () => {
  if (server.child.exitCode === null) await server.stop('SIGKILL');
  await db?.drop();
});

describe('SIGTERM', () => {
  it('answers not ready, completes SSE and WebSocket streams with a reason, then exits', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const moments: Array<[string, number]> = [];
    const mark = (what: string) => moments.push([what, performance.now()]);

    // An SSE subscription, read as raw text.
    const sse = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${company.token}`,
      },
      body: JSON.stringify({ query: print(FleetEventsDocument) }),
    });
    expect(sse.status).toBe(200);
    let sseText = '';
    const sseDone = (async () => {
      const decoder = new TextDecoder();
      const reader = sse.body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        sseText += decoder.decode(read.value, { stream: true });
        if (/event: complete/.test(sseText)) mark('sse complete');
      }
    })();

    // A graphql-ws subscription.
    const wsResults: unknown[] = [];
    const client = wsClient(`ws://127.0.0.1:${server.port}/graphql`, company.token, true);
    const wsClosed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    client.subscribe(
      { query: print(FleetEventsDocument) },
      {
        next: (value) => wsResults.push(value),
        error: (error) => wsResults.push(error),
        complete: () => mark('ws complete'),
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Readiness, asked again and again on fresh connections.
    let polling = true;
    const readiness = (async () => {
      while (polling) {
        const status = await fetch(`${base}/ready`, { headers: { connection: 'close' } }).then(
          (answer) => answer.status,
          () => 0,
        );
        if (status === 503 && !moments.some(([what]) => what === 'ready 503')) mark('ready 503');
        if (status === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));

    const signalled = performance.now();
    server.child.kill('SIGTERM');
    await exited;
    mark('exit');
    polling = false;
    await readiness;
    await sseDone.catch(() => {});
    const closeCode = await wsClosed;
    await client.dispose();

    const order = [...moments].sort((a, b) => a[1] - b[1]).map(([what]) => what);
    expect(order[0]).toBe('ready 503');
    expect(order.slice(1, 3).sort()).toEqual(['sse complete', 'ws complete']);
    expect(order[3]).toBe('exit');
    expect(sseText).toMatch(/SHUTTING_DOWN/);
    expect(JSON.stringify(wsResults)).toMatch(/SHUTTING_DOWN/);
    expect(closeCode).toBe(1001);
    const tookMs = moments.find(([what]) => what === 'exit')![1] - signalled;
    process.stdout.write(
      `\nshutdown: ${order.join(' → ')} in ${Math.round(tookMs)} ms (timeout ${SHUTDOWN_TIMEOUT_MS} ms)\n`,
    );
    expect(tookMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS / 2);
    expect(server.child.exitCode).toBe(0);
  });
});
