// Limits and protections of the HTTP surface, each with the error a client sees.
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationLimits } from '../src/hardening.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { ViewerDocument } from './generated/graphql.js';
import { executeOverWs, startTestServer, wsClient, type TestServer } from './support/server.js';

let db: TestDatabase;
let company: SeededCompany;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'hardening');
});
afterAll(async () => {
  await db?.drop();
});

async function post(server: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${company.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    json: (() => {
      try {
        return JSON.parse(text) as ExecutionResult;
      } catch {
        return null;
      }
    })(),
  };
}

describe('operation limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(db.prisma);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses a query nested too deeply', async () => {
    let selection = 'id';
    for (let level = 0; level < operationLimits.maxDepth; level += 1) selection = `instance { ${selection} }`;
    const query = `{ instances { edges { node { latestBackup { ${selection} } } } } }`;
    const result = await post(server, { query });
    expect(result.json?.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from(
      { length: operationLimits.maxAliases + 1 },
      (_, index) => `a${index}: viewer { role }`,
    ).join(' ');
    const result = await post(server, { query: `{ ${aliases} }` });
    expect(result.json?.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it('refuses a document with too many tokens', async () => {
    const fields = Array.from({ length: operationLimits.maxTokens }, () => '__typename').join(' ');
    const result = await post(server, { query: `{ ${fields} }` });
    expect(result.json?.errors?.[0]?.message).toMatch(/token/i);
  });

  it('refuses an operation that costs too much', async () => {
    const block =
      'edges { node { id name status health { status } latestBackup { id status } latestDeployment { id status } } }';
    const fields = Array.from({ length: 18 }, (_, index) => `i${index}: instances(first: 100) { ${block} }`).join(' ');
    const result = await post(server, { query: `{ ${fields} }` });
    expect(result.json?.errors?.[0]?.message).toMatch(/cost/i);
  });

  it('refuses a body over the size limit before reading it, and bodies of unknown length', async () => {
    const small = await startTestServer(db.prisma, { maxRequestBytes: 2048 });
    try {
      const big = await post(small, { query: `{ __typename }`, variables: { padding: 'x'.repeat(4096) } });
      expect(big.status).toBe(413);
      expect(big.text).toMatch(/larger than 2048 bytes/);
    } finally {
      await small.stop();
    }
  });

  it('refuses cross-site simple requests (CSRF), but not API clients', async () => {
    const form = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(form.status).toBe(403);
    expect(await form.text()).toMatch(/CSRF/);
    const get = await fetch(`${server.httpUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(403);
    const api = await fetch(`${server.httpUrl}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: `Bearer ${company.token}` },
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('failed authentication', () => {
  it('is limited per client address, with Retry-After', async () => {
    const server = await startTestServer(db.prisma, { authFailuresPerMinute: 3 });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const result = await post(server, { query: '{ __typename }' }, { authorization: 'Bearer ofk_guess' });
        expect(result.status).toBe(401);
        expect(result.json?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      const response = await fetch(server.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ofk_guess' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await response.json()) as ExecutionResult;
      expect(body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      // Requests without a token are not throttled: the limit is on guessing.
      expect((await post(server, { query: '{ __typename }' }, { authorization: '' })).json?.data).toEqual({
        __typename: 'Query',
      });
    } finally {
      await server.stop();
    }
  });

  it('never refuses a valid key because others failed from the same address (defect 13)', async () => {
    const server = await startTestServer(db.prisma, { authFailuresPerMinute: 3 });
    try {
      for (let attempt = 0; attempt < 25; attempt += 1)
        await post(server, { query: '{ __typename }' }, { authorization: 'Bearer ofk_bogus-token' });
      expect(
        (await post(server, { query: '{ __typename }' }, { authorization: 'Bearer ofk_bogus-token' })).status,
      ).toBe(429);
      const valid = await post(
        server,
        { query: '{ viewer { company { slug } } }' },
        { authorization: `Bearer ${company.token}` },
      );
      expect(valid.status).toBe(200);
      expect(valid.json?.data).toEqual({ viewer: { company: { slug: expect.any(String) } } });
      // Over WebSocket too: the connection of a valid key opens and answers.
      const client = wsClient(server.wsUrl, company.token);
      try {
        expect(await executeOverWs(client, ViewerDocument)).toMatchObject({
          data: { viewer: { company: { slug: expect.any(String) } } },
        });
      } finally {
        await client.dispose();
      }
    } finally {
      await server.stop();
    }
  });

  it('counts failures per presented key prefix across addresses, and only against failures', async () => {
    const server = await startTestServer(db.prisma, { authFailuresPerMinute: 3, trustProxy: true });
    try {
      const from = (address: string, token: string) =>
        post(server, { query: '{ __typename }' }, { authorization: `Bearer ${token}`, 'x-forwarded-for': address });
      // One guess each from three addresses, all aimed at the same key.
      const aimed = `${company.token.slice(0, 12)}guess`;
      for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
        expect((await from(address, `${aimed}-${address}`)).status).toBe(401);
      expect((await from('198.51.100.4', `${aimed}-again`)).status).toBe(429);
      // Another prefix from a fresh address is merely unknown; the real key itself still works.
      expect((await from('198.51.100.4', 'ofk_someone-else-entirely')).status).toBe(401);
      expect((await from('198.51.100.5', company.token)).json?.data).toEqual({ __typename: 'Query' });
    } finally {
      await server.stop();
    }
  });
});

describe('production mode', () => {
  it('masks unexpected errors, and refuses introspection when it is off', async () => {
    const server = await startTestServer(db.prisma, { production: true, introspection: false, graphiql: false });
    try {
      const introspection = await post(server, { query: '{ __schema { types { name } } }' });
      expect(introspection.json?.errors?.[0]?.message).toMatch(/introspection/i);
      const page = await fetch(server.httpUrl, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/graphiql/i);
      // A database failure inside a resolver: the client learns nothing of it.
      await db.prisma.$executeRawUnsafe('ALTER TABLE "Template" RENAME TO "TemplateGone"');
      try {
        const broken = await post(server, { query: '{ templates { totalCount } }' });
        expect(broken.json?.errors?.[0]?.message).toBe('Unexpected error.');
        expect(broken.text).not.toMatch(/TemplateGone|does not exist|SELECT|prisma|stack/i);
      } finally {
        await db.prisma.$executeRawUnsafe('ALTER TABLE "TemplateGone" RENAME TO "Template"');
      }
    } finally {
      await server.stop();
    }
  });
});
