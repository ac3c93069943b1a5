// Queries run compiled (graphql-jit) when that is known to be correct for them, else
// through the standard executor. A compiled query resolves a page of a hundred objects
// without the executor's per-field bookkeeping (the dashboard spends most of its CPU
// there otherwise). Compiled only:
// - a document with one operation, a query (the plugin caches by document, not by name);
// - whose selections reach no object type with an `isTypeOf`: the auth scopes of a type
//   run there (scopeAuth runScopesOnType), and graphql-jit calls it without the context.
//   Types that carry no scope of their own are listed in test/scope-reachability.test.ts.
// A request whose variables do not fit their types runs the standard executor too, which
// words the error as graphql-js does (graphql-jit says less).
import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  getNamedType,
  getVariableValues,
  isAbstractType,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

function checksTypeOnResolve(schema: GraphQLSchema, type: GraphQLNamedType | null | undefined): boolean {
  if (!type) return false;
  if (isObjectType(type)) return typeof type.isTypeOf === 'function';
  if (isAbstractType(type))
    return schema.getPossibleTypes(type).some((possible) => typeof possible.isTypeOf === 'function');
  return false;
}

/** Whether a document can run compiled; decided once per parsed document (Yoga caches them). */
export function compilable(schema: GraphQLSchema, document: DocumentNode): boolean {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0]!.operation !== 'query') return false;
  const typeInfo = new TypeInfo(schema);
  let eligible = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        if (checksTypeOnResolve(schema, getNamedType(typeInfo.getType()))) eligible = false;
      },
      InlineFragment() {
        if (checksTypeOnResolve(schema, typeInfo.getType() as GraphQLNamedType | null)) eligible = false;
      },
    }),
  );
  // Fragment definitions are visited too: a spread's type condition is checked there.
  return eligible;
}

function variablesFit(
  schema: GraphQLSchema,
  document: DocumentNode,
  values: Readonly<Record<string, unknown>> | null | undefined,
): boolean {
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const definitions = operation?.variableDefinitions ?? [];
  if (definitions.length === 0) return true;
  return !('errors' in getVariableValues(schema, definitions, values ?? {}, { maxErrors: 1 }));
}

export function compiledQueries(onCompileFailure: (message: string) => void): Plugin {
  const decided = new WeakMap<DocumentNode, boolean>();
  return useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document, variableValues }) => {
        let eligible = decided.get(document);
        if (eligible === undefined) decided.set(document, (eligible = compilable(schema, document)));
        return eligible && variablesFit(schema, document, variableValues);
      },
      // Compilation follows validation, so it does not fail on a valid document; if it
      // does, the client gets its errors (masked), as for any failed execution.
      onError: (result) => onCompileFailure(`query compilation failed: ${result.errors?.[0]?.message ?? 'unknown'}`),
    },
  ) as Plugin;
}
