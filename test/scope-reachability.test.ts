// Some types carry no auth scope of their own, so a query over them can run compiled
// (graphql-jit never passes the context a type's scope check needs): instances, backups
// and deployments. What keeps them from a caller who is no member of a company is the
// scope of every field that leads to them. This walks the schema from every root field
// a non-member may call and fails if such a type can be reached without passing a field
// whose scope requires a company's key; `node`/`nodes` reach them by id only, and find
// only the caller's company's rows (tenancy.ts), which the last test shows.
import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, seedInstances } from './support/seed.js';
import { PLATFORM_TOKEN, startTestServer, type TestServer } from './support/server.js';

/** Types without a scope of their own that only a company's keys may see. */
const MEMBER_ONLY_TYPES = ['OdooInstance', 'Backup', 'Deployment'];
/** Scopes that hold only for a company's API key (see builder.ts). */
const MEMBER_SCOPES = new Set(['member', 'role', 'allInstances']);
/** Root fields that reach any node by id; their loaders filter by the caller's company. */
const BY_ID_ONLY = new Set(['Query.node', 'Query.nodes']);

type Scopes = Record<string, unknown> | undefined;
const scopesOf = (field: GraphQLField<unknown, unknown>) =>
  (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes as Scopes;

/** Whether a field's scopes hold only for a company's key: every alternative (keys are "any of") needs one. */
function requiresMember(scopes: Scopes): boolean {
  if (!scopes || typeof scopes !== 'object') return false;
  const entries = Object.entries(scopes);
  if (entries.length === 0) return false;
  return entries.every(([name, value]) => {
    if (name === '$all') return Object.keys(value as object).some((inner) => MEMBER_SCOPES.has(inner));
    if (name === '$any') return requiresMember(value as Scopes);
    return MEMBER_SCOPES.has(name);
  });
}

function typeScopesOf(type: GraphQLNamedType): Scopes {
  return (type.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes as Scopes;
}

/** Member-only types reachable from a type without passing a member-scoped field or type, with the path. */
function reachable(start: GraphQLNamedType, path: string, seen: Set<string>, found: string[]): void {
  if (seen.has(start.name)) return;
  seen.add(start.name);
  if (MEMBER_ONLY_TYPES.includes(start.name)) found.push(path);
  if (requiresMember(typeScopesOf(start))) return;
  const next: GraphQLNamedType[] = [];
  if (isUnionType(start)) next.push(...start.getTypes());
  if (isInterfaceType(start)) next.push(...schema.getPossibleTypes(start));
  for (const type of next) reachable(type, `${path}(${type.name})`, seen, found);
  if (!isObjectType(start) && !isInterfaceType(start)) return;
  for (const field of Object.values(start.getFields())) {
    if (requiresMember(scopesOf(field))) continue;
    reachable(getNamedType(field.type), `${path}.${field.name}`, seen, found);
  }
}

describe('types without their own scope', () => {
  it('are the ones named here: instances, backups and deployments carry no type scope', () => {
    for (const name of MEMBER_ONLY_TYPES) expect(typeScopesOf(schema.getType(name)!)).toBeUndefined();
  });

  it('are reached from no root field a non-member may call, except by id', () => {
    const leaks: string[] = [];
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const field of Object.values(root?.getFields() ?? {})) {
        const name = `${root!.name}.${field.name}`;
        if (requiresMember(scopesOf(field)) || BY_ID_ONLY.has(name)) continue;
        reachable(getNamedType(field.type), name, new Set(), leaks);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('holds the walk to what it checks: an unscoped path to an instance is found', () => {
    const leaks: string[] = [];
    reachable(schema.getType('Backup')!, 'Backup', new Set(), leaks);
    expect(leaks).toContain('Backup.instance');
  });
});

describe('by id', () => {
  let db: TestDatabase;
  let server: TestServer;
  let ids: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const company = await seedCompany(db.prisma, 'reach');
    const [instance] = await seedInstances(db.prisma, company.id, 1, 'reach');
    const backup = await db.prisma.backup.create({
      data: { companyId: company.id, instanceId: instance!.id, status: 'COMPLETED' },
    });
    const deployment = await db.prisma.deployment.create({
      data: { companyId: company.id, instanceId: instance!.id, branch: 'main' },
    });
    ids = [
      encodeGlobalID('OdooInstance', instance!.id),
      encodeGlobalID('Backup', backup.id),
      encodeGlobalID('Deployment', deployment.id),
    ];
    server = await startTestServer(db.prisma);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('finds nothing of a company for the platform operator or another company', async () => {
    const other = await seedCompany(db.prisma, 'reach-other');
    for (const token of [PLATFORM_TOKEN, other.token]) {
      const response = await fetch(server.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } }),
      });
      const result = (await response.json()) as { data?: { nodes: unknown[] } };
      expect(result.data?.nodes).toEqual([null, null, null]);
    }
  });
});
