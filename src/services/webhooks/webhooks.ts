// Webhooks: a company's HTTPS endpoints receive its fleet events. Every event that
// matches an endpoint becomes a delivery row first (so nothing is lost when the
// receiver is down), then a dispatcher posts it, signed, retrying with exponential
// backoff and recording each response. Several replicas share deliveries through
// FOR UPDATE SKIP LOCKED, like every other queue here.
import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import type { PrismaClient, WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.js';
import type { FleetEventPayload } from '../../pubsub.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { NotFoundError } from '../errors.js';
import { parseInputAsync } from '../validation.js';
import { assertDeliverableUrl, guardedLookup, UnsafeUrlError, type AddressPolicy } from './address-policy.js';

export const WEBHOOK_EVENT_TYPES = ['INSTANCE', 'BACKUP', 'RESTORE', 'DEPLOYMENT', 'HEALTH'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const SUBJECT_TYPENAMES: Record<FleetEventPayload['kind'], string> = {
  INSTANCE: 'OdooInstance',
  BACKUP: 'Backup',
  RESTORE: 'Restore',
  DEPLOYMENT: 'Deployment',
  HEALTH: 'OdooInstance',
  // live only (fleetEvents), never relayed to webhooks
  LOG: 'OdooInstance',
};

export const MAX_DELIVERY_ATTEMPTS = 8;
const DELIVERY_TIMEOUT_MS = 10_000;

export interface WebhookDeps {
  prisma: PrismaClient;
  keyRing: KeyRing;
  policy: AddressPolicy;
}

/** `Fleet-Signature`: the time and an HMAC-SHA256 of "<time>.<body>" with the endpoint's secret. */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The URL must be deliverable (resolved, not private unless allowed): an asynchronous refinement. */
const endpointInput = (policy: AddressPolicy) =>
  z.object({
    url: z.string().superRefine(async (url, context) => {
      try {
        await assertDeliverableUrl(url, policy);
      } catch (error) {
        if (!(error instanceof UnsafeUrlError)) throw error;
        context.addIssue({ code: 'custom', message: error.message });
      }
    }),
    eventTypes: z.array(z.string()).min(1, 'must name at least one event type'),
  });

export async function createWebhookEndpoint(
  deps: WebhookDeps,
  request: { companyId: string; url: string; eventTypes: WebhookEventType[] },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  await parseInputAsync(endpointInput(deps.policy), { url: request.url, eventTypes: request.eventTypes });
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const endpoint = await deps.prisma.$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: {
        companyId: request.companyId,
        url: request.url,
        eventTypes: [...new Set(request.eventTypes)],
        secretEnc: 'pending',
      },
    });
    // The row id is part of the envelope's authenticated data, so it is sealed once the id exists.
    return tx.webhookEndpoint.update({
      where: { id: created.id },
      data: {
        secretEnc: deps.keyRing.encrypt(secret, {
          table: 'WebhookEndpoint',
          column: 'secretEnc',
          rowId: created.id,
          destination: '',
        }),
      },
    });
  });
  return { endpoint, secret };
}

export async function deleteWebhookEndpoint(
  prisma: PrismaClient,
  request: { companyId: string; endpointId: string },
): Promise<WebhookEndpoint> {
  const endpoint = await prisma.webhookEndpoint.findFirst({
    where: { id: request.endpointId, companyId: request.companyId },
  });
  if (!endpoint) throw new NotFoundError('WebhookEndpoint', request.endpointId);
  await prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
  return endpoint;
}

/** What a receiver gets for an event (the delivery adds its own `id`). */
export function webhookPayloadOf(event: FleetEventPayload) {
  return {
    type: event.kind,
    subjectId: encodeGlobalID(SUBJECT_TYPENAMES[event.kind], event.subjectId),
    status: event.status,
    occurredAt: event.occurredAt,
    ...(event.eventId ? { eventId: event.eventId } : {}),
  };
}

/** Records a delivery for every enabled endpoint of the company that wants this kind of event. */
export async function enqueueDeliveries(
  prisma: Pick<PrismaClient, 'webhookEndpoint' | 'webhookDelivery'>,
  event: FleetEventPayload,
): Promise<number> {
  const endpoints = await prisma.webhookEndpoint.findMany({
    where: { companyId: event.companyId, enabled: true, eventTypes: { has: event.kind } },
    select: { id: true },
  });
  if (endpoints.length === 0) return 0;
  const payload = webhookPayloadOf(event);
  const created = await prisma.webhookDelivery.createMany({
    data: endpoints.map((endpoint) => ({
      endpointId: endpoint.id,
      eventType: event.kind,
      payload,
      eventId: event.eventId ?? null,
    })),
    // a relay repeated after a crash finds the deliveries of its event already there
    skipDuplicates: true,
  });
  return created.count;
}

/** Sends a copy of a delivery again (the original keeps its history). */
export async function replayDelivery(
  prisma: PrismaClient,
  request: { companyId: string; deliveryId: string },
): Promise<WebhookDelivery> {
  const original = await prisma.webhookDelivery.findFirst({
    where: { id: request.deliveryId, endpoint: { companyId: request.companyId } },
  });
  if (!original) throw new NotFoundError('WebhookDelivery', request.deliveryId);
  return prisma.webhookDelivery.create({
    data: {
      endpointId: original.endpointId,
      eventType: original.eventType,
      payload: original.payload ?? {},
      replayOfId: original.id,
    },
  });
}

function post(url: URL, body: string, headers: Record<string, string>, policy: AddressPolicy): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'odoo-fleet-webhooks/1',
        },
        lookup: guardedLookup(policy),
        timeout: DELIVERY_TIMEOUT_MS,
      },
      (response) => {
        response.resume(); // the body is not needed; drain it so the socket is freed
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer in ${DELIVERY_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The wait before attempt `attempt + 1`: 10 s, 20 s, 40 s, … up to an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Sends the deliveries that are due. Each is claimed by pushing its next attempt past the
 * time a send can take, so another replica does not take it meanwhile.
 */
export async function deliverDue(
  deps: WebhookDeps,
  options: { now: Date; limit?: number },
): Promise<{ sent: number; succeeded: number }> {
  const claimed = await deps.prisma.$queryRaw<
    Array<WebhookDelivery & { url: string; secretEnc: string; endpointEnabled: boolean }>
  >`
    UPDATE "WebhookDelivery" d SET "nextAttemptAt" = ${new Date(options.now.getTime() + 2 * DELIVERY_TIMEOUT_MS)}, attempts = d.attempts + 1
    FROM "WebhookEndpoint" e
    WHERE e.id = d."endpointId" AND d.id IN (
      SELECT id FROM "WebhookDelivery" WHERE status = 'PENDING' AND "nextAttemptAt" <= ${options.now}
      ORDER BY "nextAttemptAt" LIMIT ${options.limit ?? 100} FOR UPDATE SKIP LOCKED
    )
    RETURNING d.*, e.url, e."secretEnc", e.enabled AS "endpointEnabled"`;
  let succeeded = 0;
  await Promise.all(
    claimed.map(async (delivery) => {
      const body = JSON.stringify({ id: delivery.id, ...(delivery.payload as object) });
      const timestamp = Math.floor(options.now.getTime() / 1000);
      let status: number | null = null;
      let error: string | null = null;
      try {
        if (!delivery.endpointEnabled) throw new Error('the endpoint is disabled');
        const url = await assertDeliverableUrl(delivery.url, deps.policy);
        const secret = deps.keyRing.decrypt(delivery.secretEnc, {
          table: 'WebhookEndpoint',
          column: 'secretEnc',
          rowId: delivery.endpointId,
          destination: '',
        });
        status = await post(
          url,
          body,
          {
            'fleet-signature': signatureHeader(secret, timestamp, body),
            'fleet-event': delivery.eventType,
            'fleet-delivery': delivery.id,
          },
          deps.policy,
        );
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (thrown) {
        error = thrown instanceof Error ? thrown.message.slice(0, 300) : 'delivery failed';
      }
      if (!error) {
        succeeded += 1;
        await deps.prisma.webhookDelivery.update({
          where: { id: delivery.id },
          data: { status: 'SUCCEEDED', responseStatus: status, deliveredAt: new Date(), lastError: null },
        });
        return;
      }
      const givingUp = delivery.attempts >= MAX_DELIVERY_ATTEMPTS;
      await deps.prisma.webhookDelivery.update({
        where: { id: delivery.id },
        data: {
          status: givingUp ? 'FAILED' : 'PENDING',
          responseStatus: status,
          lastError: error,
          nextAttemptAt: new Date(options.now.getTime() + retryDelayMs(delivery.attempts)),
        },
      });
    }),
  );
  return { sent: claimed.length, succeeded };
}
