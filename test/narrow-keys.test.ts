// API keys that expire and keys limited to some instances (defect 14), through GraphQL
// on real PostgreSQL, over HTTP and graphql-ws.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFleetEvent } from '../src/pubsub.js';
import { hashApiToken } from '../src/services/auth/authenticate.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedApiKey, seedCompany, seedInstances, type SeededCompany } from './support/seed.js';
import { WS_CLOSE_UNAUTHORIZED } from '../src/app.js';
import { startTestServer, wsClient, type TestServer } from './support/server.js';
import { publishRecorded, recordFleetEvent } from '../src/services/events/outbox.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;
let x: string;
let y: string;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'narrow');
  [x, y] = (await seedInstances(db.prisma, company.id, 2, 'narrow')).map((instance) => instance.id) as [string, string];
  server = await startTestServer(db.prisma);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function gql<T = Record<string, unknown>>(
  query: string,
  token: string,
  variables: Record<string, unknown> = {},
): Promise<ExecutionResult<T> & { status: number }> {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await response.json()) as ExecutionResult<T>), status: response.status };
}

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename
  ... on CreateApiKeySuccess { created { token apiKey { id expiresAt instanceIds } } }
  ... on Error { message } ... on InvalidInputError { fieldErrors { path message } } } }`;

type Created = {
  createApiKey: {
    __typename: string;
    message?: string;
    created?: { token: string; apiKey: { id: string; expiresAt: string | null; instanceIds: string[] | null } };
  };
};

async function limitedKey(role: 'OPERATOR' | 'VIEWER', instanceIds: string[], expiresAt?: string): Promise<string> {
  const created = await gql<Created>(CREATE, company.token, {
    input: {
      name: `${role} limited`,
      role,
      instanceIds: instanceIds.map((id) => encodeGlobalID('OdooInstance', id)),
      expiresAt,
    },
  });
  if (!created.data?.createApiKey.created) throw new Error(JSON.stringify(created));
  return created.data.createApiKey.created.token;
}

describe('createApiKey', () => {
  it('takes an expiry and a list of instances, and apiKeys shows both', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await gql<Created>(CREATE, company.token, {
      input: { name: 'ci for X', role: 'OPERATOR', expiresAt, instanceIds: [encodeGlobalID('OdooInstance', x)] },
    });
    expect(created.data?.createApiKey.created?.apiKey).toMatchObject({
      expiresAt,
      instanceIds: [encodeGlobalID('OdooInstance', x)],
    });
    const listed = await gql<{
      viewer: {
        company: {
          apiKeys: { edges: Array<{ node: { name: string; expiresAt: string | null; instanceIds: string[] | null } }> };
        };
      };
    }>('{ viewer { company { apiKeys { edges { node { name expiresAt instanceIds } } } } } }', company.token);
    const nodes = listed.data!.viewer.company.apiKeys.edges.map((edge) => edge.node);
    expect(nodes).toContainEqual({ name: 'ci for X', expiresAt, instanceIds: [encodeGlobalID('OdooInstance', x)] });
    expect(nodes).toContainEqual({ name: 'ADMIN key', expiresAt: null, instanceIds: null });
  });

  it("refuses a past expiry, an ADMIN limited to instances, and another company's instance as a missing one", async () => {
    const past = await gql<Created>(CREATE, company.token, {
      input: { name: 'old', role: 'VIEWER', expiresAt: '2020-01-01T00:00:00.000Z' },
    });
    expect(past.data?.createApiKey.__typename).toBe('InvalidInputError');
    const admin = await gql<Created>(CREATE, company.token, {
      input: { name: 'narrow admin', role: 'ADMIN', instanceIds: [encodeGlobalID('OdooInstance', x)] },
    });
    expect(admin.data?.createApiKey).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [{ path: ['role'] }],
    });
    const other = await seedCompany(db.prisma, 'narrow-other');
    const [foreign] = await seedInstances(db.prisma, other.id, 1, 'narrow-foreign');
    const answer = (id: string) =>
      gql<Created>(CREATE, company.token, {
        input: { name: 'spy', role: 'VIEWER', instanceIds: [encodeGlobalID('OdooInstance', id)] },
      });
    const foreignAnswer = JSON.stringify((await answer(foreign!.id)).data)
      .split(foreign!.id)
      .join('<id>');
    const missingId = '6f1c1f8e-0000-4000-8000-00000000dead';
    expect(foreignAnswer).toBe(
      JSON.stringify((await answer(missingId)).data)
        .split(missingId)
        .join('<id>'),
    );
    expect(foreignAnswer).toMatch(/NotFoundError/);
  });
});

describe('a key limited to instance X', () => {
  it('lists and looks up only X, and cannot create instances it would not see', async () => {
    const token = await limitedKey('OPERATOR', [x]);
    const listed = await gql<{ instances: { totalCount: number; edges: Array<{ node: { name: string } }> } }>(
      '{ instances { totalCount edges { node { name } } } }',
      token,
    );
    expect(listed.data?.instances).toEqual({ totalCount: 1, edges: [{ node: { name: 'narrow-000' } }] });
    const nodes = await gql<{ nodes: Array<{ id: string } | null> }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      token,
      {
        ids: [encodeGlobalID('OdooInstance', x), encodeGlobalID('OdooInstance', y)],
      },
    );
    expect(nodes.data?.nodes).toEqual([{ id: encodeGlobalID('OdooInstance', x) }, null]);
    const create = await gql(
      'mutation { createInstance(input: { name: "sneaky", version: "17.0" }) { __typename } }',
      token,
    );
    expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await db.prisma.odooInstance.count({ where: { name: 'sneaky' } })).toBe(0);
  });

  it('receives fleet events of X only', async () => {
    const token = await limitedKey('VIEWER', [x]);
    const client = wsClient(server.wsUrl, token, true);
    const received: string[] = [];
    let subscribed: () => void = () => {};
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription { fleetEvents { kind subjectId status } }' },
        {
          next: (value) => {
            const event = (value.data as { fleetEvents: { status: string } }).fleetEvents;
            if (event.status === 'READY') return subscribed();
            received.push(event.status);
            if (event.status === 'LAST') resolve();
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    // Announce X until the subscription is known to be listening, then send the real events.
    const announcing = setInterval(
      () => publishFleetEvent(server.app.pubsub, 'INSTANCE', { id: x, companyId: company.id, status: 'READY' }),
      50,
    );
    try {
      await ready;
      clearInterval(announcing);
      const backupOfY = await db.prisma.backup.create({ data: { companyId: company.id, instanceId: y } });
      const backupOfX = await db.prisma.backup.create({ data: { companyId: company.id, instanceId: x } });
      publishFleetEvent(server.app.pubsub, 'INSTANCE', { id: y, companyId: company.id, status: 'OF_Y' });
      publishFleetEvent(server.app.pubsub, 'BACKUP', { ...backupOfY, status: 'BACKUP_OF_Y' });
      publishFleetEvent(server.app.pubsub, 'BACKUP', { ...backupOfX, status: 'BACKUP_OF_X' });
      // Changes recorded through the event outbox name their instance too.
      for (const [backup, status] of [
        [backupOfY, 'RECORDED_OF_Y'],
        [backupOfX, 'RECORDED_OF_X'],
      ] as const) {
        publishRecorded(
          server.app.pubsub,
          await db.prisma.$transaction((tx) => recordFleetEvent(tx, 'BACKUP', { ...backup, status })),
        );
      }
      publishFleetEvent(server.app.pubsub, 'INSTANCE', { id: x, companyId: company.id, status: 'LAST' });
      await done;
      expect(received).toEqual(['BACKUP_OF_X', 'RECORDED_OF_X', 'LAST']);
    } finally {
      clearInterval(announcing);
      await client.dispose();
    }
  });

  it('receives step progress of X only', async () => {
    const token = await limitedKey('VIEWER', [x]);
    const client = wsClient(server.wsUrl, token, true);
    const received: string[] = [];
    let subscribed: () => void = () => {};
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    const step = (instanceId: string, status: string) =>
      server.app.pubsub.publish('operationProgress', company.id, {
        companyId: company.id,
        kind: 'INSTANCE',
        subjectId: instanceId,
        instanceId,
        status,
        occurredAt: new Date().toISOString(),
      });
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription { fleetProgress { status } }' },
        {
          next: (value) => {
            const { status } = (value.data as { fleetProgress: { status: string } }).fleetProgress;
            if (status === 'READY') return subscribed();
            received.push(status);
            if (status === 'LAST') resolve();
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    const announcing = setInterval(() => step(x, 'READY'), 50);
    try {
      await ready;
      clearInterval(announcing);
      step(y, 'STEP_OF_Y');
      step(x, 'STEP_OF_X');
      step(x, 'LAST');
      await done;
      expect(received).toEqual(['STEP_OF_X', 'LAST']);
    } finally {
      clearInterval(announcing);
      await client.dispose();
    }
  });
});

describe('an expired key', () => {
  it('fails as a revoked one does', async () => {
    const token = await seedApiKey(db.prisma, company.id, 'VIEWER');
    expect((await gql('{ viewer { role } }', token)).status).toBe(200);
    await db.prisma.apiKey.update({
      where: { tokenHash: hashApiToken(token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await gql('{ viewer { role } }', token);
    expect(expired.status).toBe(401);
    expect(expired.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('loses its open streams when it expires', async () => {
    const token = await limitedKey('VIEWER', [x], new Date(Date.now() + 1500).toISOString());
    const client = wsClient(server.wsUrl, token, true);
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    // The stream ends (its own expiry), and the connection is closed as unauthorized.
    const ended = await new Promise<string>((resolve) => {
      client.subscribe(
        { query: 'subscription { fleetEvents { status } }' },
        { next: () => {}, error: () => resolve('error'), complete: () => resolve('complete') },
      );
    });
    expect(['error', 'complete']).toContain(ended);
    expect(await closed).toBe(WS_CLOSE_UNAUTHORIZED);
    await client.dispose();
  }, 15_000);
});
