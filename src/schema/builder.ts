// The Pothos builder's configuration, and nothing else: types live in their domain folders.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { GraphQLContext } from '../context.js';
import { callerCompanyId } from '../context.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import type { Role } from '../generated/prisma/enums.js';
import { NotAuthenticatedError, NotAuthorizedError } from './errors/error-classes.js';

const roleRank: Record<Role, number> = { VIEWER: 1, OPERATOR: 2, ADMIN: 3 };

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    /** any valid API key of a company */
    member: boolean;
    /** a company key with at least this role */
    role: Role;
    /** the operator of the platform (PLATFORM_ADMIN_TOKEN) */
    platformAdmin: boolean;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    BigInt: { Input: bigint; Output: bigint };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      member: callerCompanyId(context) !== null,
      role: (required) =>
        context.caller?.kind === 'apiKey' && roleRank[context.caller.role] >= roleRank[required],
      platformAdmin: context.caller?.kind === 'platformAdmin',
    }),
    unauthorizedError: (_parent, context) =>
      context.caller ? new NotAuthorizedError() : new NotAuthenticatedError(),
  },
  errors: {
    defaultTypes: [],
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
    defaultConnectionSize: 20,
    maxConnectionSize: 100,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: false,
  },
});
