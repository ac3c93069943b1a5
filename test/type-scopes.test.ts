// A type's auth scopes run once per object (scopeAuth runScopesOnType): an object whose
// type the caller may not see is refused whole, however it is reached, while the fields
// of the objects it may see resolve without a check of their own.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedApiKey, seedCompany, seedInstances, type SeededCompany } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;
let viewerToken: string;
let auditEventId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'type-scopes');
  viewerToken = await seedApiKey(db.prisma, company.id, 'VIEWER');
  await seedInstances(db.prisma, company.id, 3, 'scoped');
  const event = await db.prisma.auditEvent.create({
    data: { companyId: company.id, actorKind: 'API_KEY', operation: 'createInstance', outcome: 'SUCCESS' },
  });
  auditEventId = encodeGlobalID('AuditEvent', event.id);
  server = await startTestServer(db.prisma);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function gql(query: string, token: string, variables: Record<string, unknown> = {}): Promise<ExecutionResult> {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as ExecutionResult;
}

const AUDIT_EVENT = `query($id: ID!) { node(id: $id) { id ... on AuditEvent { operation outcome } } }`;

describe('type scopes, checked once per object', () => {
  it('refuses an object of a type the key may not see, with no field of it in the answer', async () => {
    const result = await gql(AUDIT_EVENT, viewerToken, { id: auditEventId });
    expect(result.data).toEqual({ node: null });
    expect(result.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['FORBIDDEN', ['node']]]);
  });

  it('answers the same object to a key whose role may see it', async () => {
    const result = await gql(AUDIT_EVENT, company.token, { id: auditEventId });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ node: { id: auditEventId, operation: 'createInstance', outcome: 'SUCCESS' } });
  });

  it('lets a member read every field of the instances of its company', async () => {
    const result = await gql(`{ instances(first: 10) { edges { node { name status } } } }`, viewerToken);
    expect(result.errors).toBeUndefined();
    const names = (result.data as { instances: { edges: Array<{ node: { name: string } }> } }).instances.edges.map(
      (edge) => edge.node.name,
    );
    expect(names).toHaveLength(3);
  });
});
