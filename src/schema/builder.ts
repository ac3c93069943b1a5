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
import { InvalidInputError, NotAuthenticatedError, NotAuthorizedError } from './errors/error-classes.js';
import './input-guard.js';

/** Items of a connection page: when `first`/`last` is not given, and at most. */
export const CONNECTION_PAGE_SIZE = { defaultSize: 20, maxSize: 100 } as const;

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
    /** a company key not limited to some instances */
    allInstances: boolean;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    BigInt: { Input: bigint; Output: bigint };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  // inputGuard after errors, so its InvalidInputError lands in result unions; it wraps
  // outside every argument mapper, so over-long or NUL-bearing ids are refused before
  // relay decodes them.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, 'inputGuard', PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    // A type's scopes run once per object (in isTypeOf) rather than wrapping every field of
    // it: a page of 100 instances checks 100 objects, not 100 times each selected field.
    runScopesOnType: true,
    authScopes: (context) => ({
      member: callerCompanyId(context) !== null,
      role: (required) => context.caller?.kind === 'apiKey' && roleRank[context.caller.role] >= roleRank[required],
      platformAdmin: context.caller?.kind === 'platformAdmin',
      allInstances: context.caller?.kind === 'apiKey' && context.caller.instanceIds === null,
    }),
    unauthorizedError: (_parent, context) => (context.caller ? new NotAuthorizedError() : new NotAuthenticatedError()),
  },
  errors: {
    // Every field with typed errors can answer bad input with InvalidInputError (input-guard.ts).
    defaultTypes: [InvalidInputError],
    // The input guard runs outside the argument mappers (before ids are decoded); this lets
    // its InvalidInputError land in the result union too. Bad input is refused before the
    // auth scopes run, which reveals nothing: no data is read.
    unsafelyHandleInputErrors: true,
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    // Mutations return the whole row their service wrote (schema/mutation-result.ts), and
    // Pothos loads any relation a client selects on it; only a query resolver that ignores
    // the selection wastes a read, so only those are reported (outside production).
    onUnusedQuery:
      process.env.NODE_ENV === 'production'
        ? null
        : (info) => {
            if (info.parentType.name !== 'Mutation')
              process.emitWarning(`Prisma query was unused in resolver for ${info.parentType.name}.${info.fieldName}`);
          },
    defaultConnectionSize: CONNECTION_PAGE_SIZE.defaultSize,
    maxConnectionSize: CONNECTION_PAGE_SIZE.maxSize,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    idFieldOptions: { description: 'Global id of the object (Relay), accepted by `node` and the typed lookups.' },
    nodeTypeOptions: { description: 'An object with a global id, fetchable with `node(id:)`.' },
    nodeQueryOptions: { description: "Any object of the caller's company by its global id; null when there is none." },
    nodesQueryOptions: {
      description: 'Several objects by their global ids, in the same order; null for each one not found.',
    },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits in the whole list.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items come before this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page.' },
    endCursorFieldOptions: {
      description: 'Cursor of the last item of the page; pass it as `after` for the next page.',
    },
    defaultConnectionTypeOptions: { description: 'A page of a list (Relay connection).' },
    defaultEdgeTypeOptions: { description: 'One item of a page, with its cursor.' },
    edgesFieldOptions: { description: 'The items of this page.' },
    pageInfoFieldOptions: { description: 'Paging information.' },
    cursorFieldOptions: { description: 'Opaque position of this item, for `after` and `before`.' },
    nodeFieldOptions: { description: 'The item.' },
    firstArgOptions: { description: 'Items from the start (default 20, at most 100).' },
    lastArgOptions: { description: 'Items from the end (at most 100).' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
  },
});
