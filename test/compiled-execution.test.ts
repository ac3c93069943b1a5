// Which documents run compiled (graphql-jit): one query operation, reaching no type whose
// auth scopes run in isTypeOf (graphql-jit calls it without the request's context).
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { compilable } from '../src/compiled-execution.js';
import { schema } from '../src/schema/index.js';

const DASHBOARD = `query Fleet {
  instances(first: 100, filter: { status: [RUNNING, SUSPENDED] }, orderBy: { field: NAME }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name status health { status checkedAt } latestBackup { status } latestDeployment { status } } }
  }
}`;

describe('compiled queries', () => {
  it('compile the dashboard query, fragments included', () => {
    expect(compilable(schema, parse(DASHBOARD))).toBe(true);
    expect(
      compilable(
        schema,
        parse('query { instances { edges { node { ...Row } } } } fragment Row on OdooInstance { name }'),
      ),
    ).toBe(true);
  });

  it('leave to the standard executor a query reaching a type with its own scopes', () => {
    expect(compilable(schema, parse('{ viewer { role } }'))).toBe(true);
    expect(compilable(schema, parse('{ viewer { role company { name } } }'))).toBe(false);
    expect(compilable(schema, parse('{ instances { edges { node { latestBackup { instance { name } } } } } }'))).toBe(
      true,
    );
    expect(compilable(schema, parse('query($id: ID!) { node(id: $id) { id } }'))).toBe(false);
    expect(
      compilable(schema, parse('{ instances { edges { node { ...Owner } } } } fragment Owner on OdooInstance { id }')),
    ).toBe(true);
    expect(compilable(schema, parse('{ templates { edges { node { name } } } }'))).toBe(false);
  });

  it('leave mutations, subscriptions and documents of several operations to the standard executor', () => {
    expect(compilable(schema, parse('mutation { checkInstanceHealth(id: "x") { __typename } }'))).toBe(false);
    expect(compilable(schema, parse('subscription { fleetEvents { kind } }'))).toBe(false);
    expect(compilable(schema, parse(`${DASHBOARD} query Other { instances { totalCount } }`))).toBe(false);
  });
});
