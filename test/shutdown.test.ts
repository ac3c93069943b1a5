// Graceful shutdown: in-flight requests finish, new work is refused, sockets close.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypenameDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { executeOverWs, startTestServer, wsClient } from './support/server.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('graceful shutdown', () => {
  it('finishes a request already in flight, then closes WebSockets with "going away"', async () => {
    const server = await startTestServer(db.prisma);
    const client = wsClient(server.wsUrl, undefined, true);
    expect((await executeOverWs(client, TypenameDocument)).data).toEqual({ __typename: 'Query' });
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );

    // Half a request: headers and part of the body are sent before the shutdown begins.
    const body = JSON.stringify({ query: '{ __typename }' });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        server.httpUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (chunk) => (text += chunk))
            .on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const stopping = server.app.stop(5_000);
    const finished = await response;
    expect(finished.status).toBe(200);
    expect(JSON.parse(finished.text)).toEqual({ data: { __typename: 'Query' } });
    await stopping;
    expect(await closed).toBe(1001);
    expect(server.app.httpServer.listening).toBe(false);
    await client.dispose();
  });

  it('reports not ready when the database does not answer', async () => {
    let databaseUp = true;
    const server = await startTestServer(db.prisma, { pingDatabase: async () => databaseUp });
    const readyUrl = server.httpUrl.replace('/graphql', '/ready');
    const healthUrl = server.httpUrl.replace('/graphql', '/health');
    expect((await fetch(readyUrl)).status).toBe(200);
    databaseUp = false;
    const notReady = await fetch(readyUrl);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'unavailable' });
    // Liveness does not depend on the database: a restart would not help.
    expect((await fetch(healthUrl)).status).toBe(200);
    await server.stop();
  });
});
