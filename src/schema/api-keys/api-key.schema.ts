import { createApiKey, revokeApiKey } from '../../services/api-keys/api-keys.js';
import { builder } from '../builder.js';
import { RoleEnum } from '../enums.js';
import { InvalidInputError, NotAuthorizedError, NotFoundError } from '../errors/error-classes.js';
import { audited, resultTypes, selectionOf } from '../mutation-result.js';
import { ownedBy } from '../tenancy.js';
import { CompanyType } from '../companies/company.schema.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { encodeGlobalID } from '@pothos/plugin-relay';

export const ApiKeyType = builder.prismaNode('ApiKey', {
  description: 'A credential of a company. The token itself is shown only once, when the key is created.',
  id: { field: 'id' },
  // The platform operator reads the keys it creates (createApiKey's payload); node
  // lookups still find only the caller's company's keys.
  authScopes: { role: 'ADMIN', platformAdmin: true },
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the key is for.' }),
    role: t.expose('role', { type: RoleEnum, description: 'What the key may do.' }),
    tokenPrefix: t.exposeString('tokenPrefix', { description: 'First characters of the token, to tell keys apart.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Last use, to the minute.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it stops working, as if revoked; null: never.',
    }),
    instanceIds: t.field({
      type: ['ID'],
      nullable: true,
      description: 'Global ids of the only instances the key sees and acts on; null: every instance of the company.',
      resolve: (key) =>
        key.instanceIds.length > 0 ? key.instanceIds.map((id) => encodeGlobalID('OdooInstance', id)) : null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

const CreatedApiKey = builder.objectRef<{ apiKey: { id: string }; token: string }>('CreatedApiKey').implement({
  description: 'A new API key and its token.',
  fields: (t) => ({
    apiKey: t.prismaField({
      type: ApiKeyType,
      description: 'The stored key.',
      resolve: (query, created, _args, context) =>
        context.prisma.apiKey.findUniqueOrThrow({ ...selectionOf(query), where: { id: created.apiKey.id } }),
    }),
    token: t.exposeString('token', {
      description: 'The bearer token. Store it now: it is not kept and cannot be shown again.',
    }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What the key is for (1-100 characters).' }),
    role: t.field({ type: RoleEnum, required: true, description: 'What the key may do.' }),
    expiresAt: t.field({
      type: 'DateTime',
      required: false,
      description: 'When the key stops working (in the future); default: never.',
    }),
    instanceIds: t.globalIDList({
      for: OdooInstanceType,
      required: false,
      description:
        'Limits the key to these instances of the company: it sees and acts on no other (OPERATOR or VIEWER keys only). Default: every instance.',
    }),
    companyId: t.globalID({
      for: CompanyType,
      required: false,
      description:
        'Platform operator only: the company the key is for. Company admins create keys of their own company.',
    }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  description: 'The key to revoke.',
  fields: (t) => ({
    id: t.globalID({ for: ApiKeyType, required: true, description: 'Global id of the key.' }),
  }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    description:
      'Creates an API key. Company admins create keys of their company; the platform operator creates the first key of a new company.',
    authScopes: { role: 'ADMIN', platformAdmin: true },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key.' }) },
    errors: {
      types: [InvalidInputError, NotFoundError],
      ...resultTypes('createApiKey', 'created', 'The key was created.'),
    },
    resolve: (_root, { input }, context) => {
      const caller = context.caller!;
      if (caller.kind === 'apiKey' && input.companyId && input.companyId.id !== caller.companyId) {
        throw new NotFoundError('Company', input.companyId.id);
      }
      const companyId = caller.kind === 'apiKey' ? caller.companyId : input.companyId?.id;
      if (!companyId) {
        throw new InvalidInputError([
          { path: ['input', 'companyId'], message: 'is required for the platform operator' },
        ]);
      }
      return audited(
        context,
        'createApiKey',
        null,
        () =>
          createApiKey(context, {
            companyId,
            name: input.name,
            role: input.role,
            expiresAt: input.expiresAt,
            instanceIds: input.instanceIds?.map((id) => id.id),
          }),
        { companyId, targetOf: (created) => created.apiKey.id },
      );
    },
  }),
  revokeApiKey: t.prismaField({
    type: ApiKeyType,
    description: 'Revokes an API key at once: requests with it fail, and its open WebSocket and SSE streams close.',
    authScopes: { role: 'ADMIN' },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true, description: 'The key.' }) },
    errors: { types: [NotFoundError], ...resultTypes('revokeApiKey', 'apiKey', 'The key is revoked.') },
    resolve: (_query, _root, { input }, context) => {
      if (context.caller?.kind !== 'apiKey') throw new NotAuthorizedError();
      const companyId = context.caller.companyId;
      return audited(context, 'revokeApiKey', input.id.id, () =>
        revokeApiKey(context, { companyId, apiKeyId: ownedBy(context, input.id.id).id }),
      );
    },
  }),
}));
