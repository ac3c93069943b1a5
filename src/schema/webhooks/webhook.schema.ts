// Webhook endpoints of a company, their deliveries, and the mutations that manage them.
import { WEBHOOK_EVENT_TYPES } from '../../services/webhooks/webhooks.js';
import { builder } from '../builder.js';
import { CompanyType } from '../companies/company.schema.js';
import { InvalidInputError, NotFoundError } from '../errors/error-classes.js';
import { resultTypes, selectionOf, serviceResult } from '../mutation-result.js';
import { companyOf, ownedBy } from '../tenancy.js';

const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  description: 'Kinds of fleet events an endpoint can receive (the `kind` of `fleetEvents`).',
  values: Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [
      type,
      { description: `${type[0]}${type.slice(1).toLowerCase()} status changes.` },
    ]),
  ) as Record<(typeof WEBHOOK_EVENT_TYPES)[number], { description: string }>,
});

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'PENDING (sending or waiting to retry), SUCCEEDED (a 2xx answer) or FAILED (gave up after 8 attempts).',
  values: {
    PENDING: { description: 'Not delivered yet.' },
    SUCCEEDED: { description: 'Answered 2xx.' },
    FAILED: { description: 'Gave up.' },
  } as const,
});

export const WebhookDeliveryType = builder.prismaNode('WebhookDelivery', {
  description: 'One event sent (or to be sent) to an endpoint, with the outcome of its attempts.',
  id: { field: 'id' },
  authScopes: { role: 'ADMIN' },
  nullable: true,
  findUnique: (id, context) => ({ id: ownedBy(context, id).id, endpoint: { companyId: companyOf(context) } }),
  fields: (t) => ({
    eventType: t.field({
      type: WebhookEventTypeEnum,
      description: 'Kind of event.',
      resolve: (delivery) => delivery.eventType as (typeof WEBHOOK_EVENT_TYPES)[number],
    }),
    payload: t.field({
      type: 'String',
      description: 'The JSON body sent (without the delivery id, which is added on sending).',
      resolve: (delivery) => JSON.stringify(delivery.payload),
    }),
    status: t.field({
      type: WebhookDeliveryStatusEnum,
      description: 'Outcome so far.',
      resolve: (delivery) => delivery.status,
    }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made.' }),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: 'HTTP status of the last answer.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      description: 'When it is tried next (while PENDING).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the event happened.' }),
    deliveredAt: t.expose('deliveredAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was answered 2xx.',
    }),
  }),
});

export const WebhookEndpointType = builder.prismaNode('WebhookEndpoint', {
  description:
    'An HTTPS endpoint of the company that receives signed fleet events. Its secret is shown only at creation.',
  id: { field: 'id' },
  authScopes: { role: 'ADMIN' },
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Where events are posted.' }),
    eventTypes: t.field({
      type: [WebhookEventTypeEnum],
      description: 'Kinds of events sent.',
      resolve: (endpoint) => endpoint.eventTypes as Array<(typeof WEBHOOK_EVENT_TYPES)[number]>,
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Disabled endpoints receive nothing.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    deliveries: t.relatedConnection('deliveries', {
      cursor: 'id',
      totalCount: true,
      description: 'Deliveries to this endpoint, newest first.',
      query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
    }),
  }),
});

builder.prismaObjectFields(CompanyType, (t) => ({
  webhookEndpoints: t.relatedConnection('webhookEndpoints', {
    cursor: 'id',
    totalCount: true,
    authScopes: { role: 'ADMIN' },
    description: "The company's webhook endpoints, newest first (admins only).",
    query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
  }),
}));

const CreatedWebhookEndpoint = builder
  .objectRef<{ endpoint: { id: string }; secret: string }>('CreatedWebhookEndpoint')
  .implement({
    description: 'A new endpoint and its signing secret.',
    fields: (t) => ({
      endpoint: t.prismaField({
        type: WebhookEndpointType,
        description: 'The stored endpoint.',
        resolve: (query, created, _args, context) =>
          context.prisma.webhookEndpoint.findUniqueOrThrow({
            ...selectionOf(query),
            where: { id: created.endpoint.id },
          }),
      }),
      secret: t.exposeString('secret', {
        description:
          'Verifies `Fleet-Signature` (t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">). Store it now: it cannot be shown again.',
      }),
    }),
  });

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  description: 'An endpoint to register. Private, loopback and link-local addresses are refused.',
  fields: (t) => ({
    url: t.string({ required: true, description: 'An https:// URL on the public internet.' }),
    eventTypes: t.field({ type: [WebhookEventTypeEnum], required: true, description: 'Kinds of events to send.' }),
  }),
});

const WebhookEndpointIdInput = builder.inputType('DeleteWebhookEndpointInput', {
  description: 'The endpoint to delete, with its deliveries.',
  fields: (t) => ({
    endpointId: t.globalID({ for: WebhookEndpointType, required: true, description: 'Global id of the endpoint.' }),
  }),
});

const ReplayWebhookDeliveryInput = builder.inputType('ReplayWebhookDeliveryInput', {
  description: 'A delivery to send again.',
  fields: (t) => ({
    deliveryId: t.globalID({ for: WebhookDeliveryType, required: true, description: 'Global id of the delivery.' }),
  }),
});

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreatedWebhookEndpoint,
    description: "Registers an endpoint for the company's fleet events; returns its signing secret once.",
    authScopes: { role: 'ADMIN' },
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true, description: 'The endpoint.' }) },
    errors: {
      types: [InvalidInputError],
      ...resultTypes('createWebhookEndpoint', 'created', 'The endpoint was registered.'),
    },
    resolve: (_root, { input }, context) =>
      serviceResult(
        context,
        'createWebhookEndpoint',
        null,
        (services) =>
          services.webhooks.createEndpoint({
            companyId: companyOf(context),
            url: input.url,
            eventTypes: input.eventTypes,
          }),
        { targetOf: (created) => created.endpoint.id },
      ),
  }),
  deleteWebhookEndpoint: t.prismaField({
    type: WebhookEndpointType,
    description: 'Deletes an endpoint and its deliveries.',
    authScopes: { role: 'ADMIN' },
    args: { input: t.arg({ type: WebhookEndpointIdInput, required: true, description: 'The endpoint.' }) },
    errors: { types: [NotFoundError], ...resultTypes('deleteWebhookEndpoint', 'endpoint', 'The endpoint as it was.') },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'deleteWebhookEndpoint', input.endpointId.id, (services) =>
        services.webhooks.deleteEndpoint({
          companyId: companyOf(context),
          endpointId: ownedBy(context, input.endpointId.id).id,
        }),
      ),
  }),
  replayWebhookDelivery: t.prismaField({
    type: WebhookDeliveryType,
    description: 'Sends a delivery again as a new delivery (the original keeps its history).',
    authScopes: { role: 'ADMIN' },
    args: { input: t.arg({ type: ReplayWebhookDeliveryInput, required: true, description: 'The delivery.' }) },
    errors: {
      types: [NotFoundError],
      ...resultTypes('replayWebhookDelivery', 'delivery', 'The new delivery, PENDING.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'replayWebhookDelivery', input.deliveryId.id, (services) =>
        services.webhooks.replayDelivery({
          companyId: companyOf(context),
          deliveryId: ownedBy(context, input.deliveryId.id).id,
        }),
      ),
  }),
}));
