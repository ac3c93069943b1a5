// Webhooks end to end: an endpoint registered through GraphQL (on loopback, which this
// test server allows), fleet events recorded as deliveries where they are published,
// posted signed to a real HTTP receiver, retried with backoff while it fails, recorded
// with their response codes, and replayed. Private addresses are refused by default.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDeliverableUrl, isPrivateAddress } from '../src/services/webhooks/address-policy.js';
import { recordFleetEvent, relayOutbox } from '../src/services/events/outbox.js';
import { deliverDue, retryDelayMs } from '../src/services/webhooks/webhooks.js';
import {
  CreateWebhookEndpointDocument,
  ReplayWebhookDeliveryDocument,
  WebhookDeliveriesDocument,
} from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, type SeededCompany } from './support/seed.js';
import { execute, startTestServer, testKeyRing, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let strictServer: TestServer;
let company: SeededCompany;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
const answers: number[] = [];
const policy = { allowPrivateNetworks: true };

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'hooked');
  server = await startTestServer(db.prisma, { webhookPolicy: policy });
  strictServer = await startTestServer(db.prisma);
  receiver = createServer((req, res) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (body += chunk))
      .on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answers.shift() ?? 200).end('ok');
      });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/fleet`;
});
afterAll(async () => {
  await server?.stop();
  await strictServer?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  await db?.drop();
});

describe('webhook endpoints', () => {
  it('refuse private, loopback and plain-http targets unless the server allows them', async () => {
    const refused = await execute(strictServer.httpUrl, CreateWebhookEndpointDocument, {
      token: company.token,
      variables: { input: { url: receiverUrl, eventTypes: ['BACKUP'] } },
    });
    expect(refused.data?.createWebhookEndpoint).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [{ path: ['url'] }],
    });
    await expect(assertDeliverableUrl('https://127.0.0.1/x', { allowPrivateNetworks: false })).rejects.toThrow(
      /private/,
    );
    await expect(assertDeliverableUrl('https://localhost/x', { allowPrivateNetworks: false })).rejects.toThrow(
      /private/,
    );
    await expect(assertDeliverableUrl('https://[::ffff:10.0.0.1]/x', { allowPrivateNetworks: false })).rejects.toThrow(
      /private/,
    );
    await expect(assertDeliverableUrl('https://user:pw@8.8.8.8/x', { allowPrivateNetworks: false })).rejects.toThrow(
      /credentials/,
    );
    await expect(assertDeliverableUrl('https://8.8.8.8/hook', { allowPrivateNetworks: false })).resolves.toBeInstanceOf(
      URL,
    );
    expect(
      [
        '10.1.2.3',
        '172.16.0.1',
        '192.168.1.1',
        '169.254.169.254',
        '100.64.0.1',
        '::1',
        'fd00::1',
        'fe80::1',
        '0.0.0.0',
      ].every(isPrivateAddress),
    ).toBe(true);
    expect(['8.8.8.8', '2a00:1450::1', '172.32.0.1'].some(isPrivateAddress)).toBe(false);
    expect(await db.prisma.webhookEndpoint.count()).toBe(0);
  });

  it('receive signed events, retried with backoff until answered, and replayed on request', async () => {
    const created = await execute(server.httpUrl, CreateWebhookEndpointDocument, {
      token: company.token,
      variables: { input: { url: receiverUrl, eventTypes: ['BACKUP', 'HEALTH'] } },
    });
    if (created.data?.createWebhookEndpoint.__typename !== 'CreateWebhookEndpointSuccess')
      throw new Error(JSON.stringify(created));
    const { secret, endpoint } = created.data.createWebhookEndpoint.created;
    expect(secret).toMatch(/^whsec_/);
    const stored = await db.prisma.webhookEndpoint.findFirstOrThrow();
    expect(stored.secretEnc).not.toContain(secret);

    // Events recorded in the outbox become deliveries when relayed; kinds the endpoint did not ask for do not.
    const { occurredAt } = await db.prisma.$transaction(async (tx) => {
      const backup = await recordFleetEvent(tx, 'BACKUP', {
        id: '00000000-0000-4000-8000-000000000001',
        companyId: company.id,
        status: 'COMPLETED',
      });
      await recordFleetEvent(tx, 'DEPLOYMENT', {
        id: '00000000-0000-4000-8000-000000000002',
        companyId: company.id,
        status: 'SUCCESS',
      });
      return backup;
    });
    await relayOutbox(db.prisma);
    await expect.poll(() => db.prisma.webhookDelivery.count()).toBe(1);

    // The receiver fails twice, then answers.
    answers.push(500, 503);
    const deps = { prisma: db.prisma, keyRing: testKeyRing, policy };
    let now = Date.now();
    expect(await deliverDue(deps, { now: new Date(now) })).toEqual({ sent: 1, succeeded: 0 });
    expect(await deliverDue(deps, { now: new Date(now + retryDelayMs(1) - 1000) })).toEqual({ sent: 0, succeeded: 0 }); // not due yet
    now += retryDelayMs(1);
    expect(await deliverDue(deps, { now: new Date(now) })).toEqual({ sent: 1, succeeded: 0 });
    now += retryDelayMs(2);
    expect(await deliverDue(deps, { now: new Date(now) })).toEqual({ sent: 1, succeeded: 1 });
    expect(retryDelayMs(2)).toBe(2 * retryDelayMs(1));

    const deliveries = await execute(server.httpUrl, WebhookDeliveriesDocument, {
      token: company.token,
      variables: { id: endpoint.id },
    });
    const node = deliveries.data?.node;
    if (!node || !('deliveries' in node)) throw new Error(JSON.stringify(deliveries));
    expect(node.deliveries.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({
        eventType: 'BACKUP',
        status: 'SUCCEEDED',
        attempts: 3,
        responseStatus: 200,
        lastError: null,
      }),
    ]);

    // Every attempt was signed over its timestamp and body with the endpoint's secret.
    expect(received).toHaveLength(3);
    for (const request of received) {
      const [, timestamp, signature] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['fleet-signature']))!;
      expect(createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')).toBe(signature);
      expect(request.headers['fleet-event']).toBe('BACKUP');
      expect(JSON.parse(request.body)).toMatchObject({
        type: 'BACKUP',
        status: 'COMPLETED',
        subjectId: expect.any(String),
        occurredAt,
      });
    }

    const deliveryId = node.deliveries.edges[0]!.node.id;
    const replay = await execute(server.httpUrl, ReplayWebhookDeliveryDocument, {
      token: company.token,
      variables: { input: { deliveryId } },
    });
    expect(replay.data?.replayWebhookDelivery).toMatchObject({ delivery: { status: 'PENDING' } });
    expect(await deliverDue(deps, { now: new Date(now) })).toEqual({ sent: 1, succeeded: 1 });
    expect(received).toHaveLength(4);
    expect(JSON.parse(received[3]!.body)).toMatchObject({ type: 'BACKUP', status: 'COMPLETED' });
    expect(received[3]!.headers['fleet-delivery']).not.toBe(received[0]!.headers['fleet-delivery']);
  });

  it('give up after the last attempt, recording why', async () => {
    const endpoint = await db.prisma.webhookEndpoint.findFirstOrThrow();
    const delivery = await db.prisma.webhookDelivery.create({
      data: { endpointId: endpoint.id, eventType: 'HEALTH', payload: { type: 'HEALTH' }, attempts: 7 },
    });
    answers.push(410);
    await deliverDue({ prisma: db.prisma, keyRing: testKeyRing, policy }, { now: new Date(Date.now() + 86_400_000) });
    expect(await db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({
      status: 'FAILED',
      attempts: 8,
      responseStatus: 410,
      lastError: 'HTTP 410',
    });
  });
});
