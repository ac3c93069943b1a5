// Subscriptions authenticate when the connection opens, stream only the caller's
// company's events, and end the moment the key is revoked (WebSocket and SSE).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_CLOSE_UNAUTHORIZED } from '../src/app.js';
import type { FleetEventPayload } from '../src/pubsub.js';
import { FleetEventsDocument, RevokeApiKeyDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedApiKey, seedCompany, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, wsClient, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let acme: SeededCompany;
let globex: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  acme = await seedCompany(db.prisma, 'sub-acme');
  globex = await seedCompany(db.prisma, 'sub-globex');
  server = await startTestServer(db.prisma);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

function event(companyId: string, status: string): FleetEventPayload {
  return {
    companyId,
    kind: 'INSTANCE',
    subjectId: '5a1f0c9e-1111-4222-8333-444455556666',
    status,
    occurredAt: new Date().toISOString(),
  };
}

/** Opens a raw graphql-ws connection and reports how the server closed it. */
function connect(
  token: string,
): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }>; acked: Promise<boolean> }> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const acked = new Promise<boolean>((resolve) => {
    socket.on('message', (data) => {
      if (JSON.parse(data.toString()).type === 'connection_ack') resolve(true);
    });
    socket.on('close', () => resolve(false));
  });
  return new Promise((resolve) =>
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      resolve({ socket, closed, acked });
    }),
  );
}

async function waitFor<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('subscription authentication', () => {
  it('refuses a WebSocket whose key is unknown, at connect time', async () => {
    const { closed, acked } = await connect('ofk_not-a-key');
    expect(await acked).toBe(false);
    expect((await closed).code).toBe(WS_CLOSE_UNAUTHORIZED);
  });

  it("streams only the caller's company's events over graphql-ws", async () => {
    const received: string[] = [];
    const client = wsClient(server.wsUrl, acme.token, true);
    const unsubscribe = client.subscribe(
      { query: print(FleetEventsDocument) },
      {
        next: (value) => received.push(String((value.data as { fleetEvents: { status: string } }).fleetEvents.status)),
        error: () => {},
        complete: () => {},
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.app.pubsub.publish('fleetEvents', globex.id, event(globex.id, 'GLOBEX_ONLY'));
    server.app.pubsub.publish('fleetEvents', acme.id, event(acme.id, 'RUNNING'));
    await waitFor(() => (received.length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual(['RUNNING']);
    unsubscribe();
    await client.dispose();
  });

  it('closes an open WebSocket the moment its key is revoked', async () => {
    const doomed = await seedApiKey(db.prisma, acme.id, 'VIEWER');
    const doomedKey = await db.prisma.apiKey.findFirstOrThrow({
      where: { companyId: acme.id, role: 'VIEWER' },
      orderBy: { createdAt: 'desc' },
    });
    const { socket, closed, acked } = await connect(doomed);
    expect(await acked).toBe(true);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: print(FleetEventsDocument) } }));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const revoked = await execute(server.httpUrl, RevokeApiKeyDocument, {
      token: acme.token,
      variables: { input: { id: encodeGlobalID('ApiKey', doomedKey.id) } },
    });
    expect(revoked.data?.revokeApiKey.__typename).toBe('RevokeApiKeySuccess');
    expect(await closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'API key revoked' });
    // …and it cannot come back.
    expect(await (await connect(doomed)).acked).toBe(false);
  });

  it('ends an SSE subscription when its key is revoked, and streams only its company', async () => {
    const doomed = await seedApiKey(db.prisma, acme.id, 'OPERATOR');
    const doomedKey = await db.prisma.apiKey.findFirstOrThrow({ where: { companyId: acme.id, role: 'OPERATOR' } });
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${doomed}` },
      body: JSON.stringify({ query: print(FleetEventsDocument) }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let stream = '';
    let ended = false;
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        stream += Buffer.from(value).toString('utf8');
      }
      ended = true;
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.app.pubsub.publish('fleetEvents', globex.id, event(globex.id, 'GLOBEX_ONLY'));
    server.app.pubsub.publish('fleetEvents', acme.id, event(acme.id, 'SUSPENDED'));
    await waitFor(() => (stream.includes('SUSPENDED') ? true : undefined));
    expect(stream).not.toContain('GLOBEX_ONLY');

    await execute(server.httpUrl, RevokeApiKeyDocument, {
      token: acme.token,
      variables: { input: { id: encodeGlobalID('ApiKey', doomedKey.id) } },
    });
    await waitFor(() => (ended ? true : undefined));
    expect(stream).toMatch(/event: complete/);
  });
});
