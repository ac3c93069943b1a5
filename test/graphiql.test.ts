// GraphiQL's own way of sending a key: an empty connection_init, then the Headers tab as
// `extensions.headers` of each operation. And its page refers to no other host.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let acme: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  acme = await seedCompany(db.prisma, 'graphiql-ws-acme');
  server = await startTestServer(db.prisma);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

/** Connects the way GraphiQL does and sends one operation; resolves with its first answer. */
async function subscribeAsGraphiQL(authorization: string | undefined): Promise<Message> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Message));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await expect.poll(() => messages.some((message) => message.type === 'connection_ack')).toBe(true);
  socket.send(
    JSON.stringify({
      type: 'subscribe',
      id: '1',
      payload: {
        query: '{ viewer { role } }',
        extensions: { headers: authorization ? { Authorization: authorization } : {} },
      },
    }),
  );
  await expect.poll(() => messages.find((message) => message.id === '1')).toBeDefined();
  socket.close();
  return messages.find((message) => message.id === '1')!;
}

describe('GraphiQL', () => {
  it('authorizes a WebSocket operation with the key of its Headers tab', async () => {
    const answer = await subscribeAsGraphiQL(`Bearer ${acme.token}`);
    expect(answer).toMatchObject({ type: 'next', payload: { data: { viewer: { role: 'ADMIN' } } } });
  });

  it('refuses an unknown key sent with the operation, naming the problem', async () => {
    const answer = await subscribeAsGraphiQL('Bearer ofk_not-a-key');
    expect(answer).toMatchObject({
      type: 'error',
      payload: [{ message: 'The API key is unknown or revoked.', extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });

  it('serves a page that loads nothing from another host and says where the key goes', async () => {
    const response = await fetch(server.httpUrl, { headers: { accept: 'text/html' } });
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/i);
    expect(page).toContain('Authorization');
    expect(page).toContain('Bearer <your API key>');
  });
});
