// The API's own schema (the printed schema.graphql) answered from an in-memory fleet, for
// frontend teams building before they have a server, companies and keys. Data is stable
// (a seeded generator), connections page and filter like the real ones, createInstance
// and updateInstance change the store, and fleetEvents emits plausible events.
import { readFileSync } from 'node:fs';
import { addMocksToSchema, createMockStore, type IMockStore, type Ref } from '@graphql-tools/mock';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { projectRoot } from '../db/paths.js';
import { createFleetData, type MockInstance } from './fleet-data.js';
import { fleetEventStream } from './fleet-events.js';

export interface MockSchemaOptions {
  /** same seed, same fleet (default 1) */
  seed?: number;
  /** pause between two fleetEvents (default 2 s) */
  eventIntervalMs?: number;
}

const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64');
const decodeCursor = (cursor: string | null | undefined) => {
  const match = cursor ? /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString()) : null;
  return match ? Number(match[1]) : null;
};

interface InstancesArgs {
  first?: number | null;
  after?: string | null;
  filter?: {
    status?: string[] | null;
    nameContains?: string | null;
    subscriptionTier?: string | null;
    deploymentMethod?: string | null;
  } | null;
  orderBy?: { field: 'NAME' | 'CREATED_AT' | 'STATUS'; direction?: 'ASC' | 'DESC' | null } | null;
}

export function buildMockSchema(options: MockSchemaOptions = {}): { schema: GraphQLSchema; store: IMockStore } {
  const base = buildSchema(readFileSync(`${projectRoot}schema.graphql`, 'utf8'));
  const fleet = createFleetData(options.seed ?? 1);
  const store = createMockStore({ schema: base, mocks: fleet.scalarMocks });
  for (const instance of fleet.instances) store.set('OdooInstance', instance.id, instance);
  store.set('Query', 'ROOT', 'viewer', {
    isPlatformAdmin: false,
    role: 'ADMIN',
    company: { id: fleet.companyId, name: 'Acme Hosting Demo', slug: 'acme-demo' },
  });
  const ids: string[] = fleet.instances.map((instance) => instance.id);

  const read = (id: string) => store.get('OdooInstance', id) as Ref;
  const field = (id: string, name: keyof MockInstance) => store.get('OdooInstance', id, name) as string;

  const schema = addMocksToSchema({
    schema: base,
    store,
    resolvers: (mockStore) => ({
      Query: {
        instance: (_root: unknown, { id }: { id: string }) => (ids.includes(id) ? read(id) : null),
        instances: (_root: unknown, args: InstancesArgs) => {
          const filter = args.filter ?? {};
          let matching = ids.filter((id) => {
            const status = field(id, 'status');
            if (filter.status?.length ? !filter.status.includes(status) : status === 'DELETED') return false;
            if (filter.nameContains && !field(id, 'name').toLowerCase().includes(filter.nameContains.toLowerCase()))
              return false;
            if (filter.subscriptionTier && field(id, 'subscriptionTier') !== filter.subscriptionTier) return false;
            if (filter.deploymentMethod && field(id, 'deploymentMethod') !== filter.deploymentMethod) return false;
            return true;
          });
          const key = { NAME: 'name', CREATED_AT: 'createdAt', STATUS: 'status' }[
            args.orderBy?.field ?? 'CREATED_AT'
          ] as keyof MockInstance;
          matching = [...matching].sort((a, b) => field(a, key).localeCompare(field(b, key)) || a.localeCompare(b));
          if (args.orderBy?.direction === 'DESC') matching.reverse();
          const start = (decodeCursor(args.after) ?? -1) + 1;
          const size = Math.min(Math.max(args.first ?? 20, 0), 100);
          const page = matching.slice(start, start + size);
          return {
            totalCount: matching.length,
            edges: page.map((id, index) => ({ cursor: encodeCursor(start + index), node: read(id) })),
            pageInfo: {
              hasNextPage: start + size < matching.length,
              hasPreviousPage: start > 0,
              startCursor: page.length ? encodeCursor(start) : null,
              endCursor: page.length ? encodeCursor(start + page.length - 1) : null,
            },
          };
        },
      },
      Mutation: {
        createInstance: (
          _root: unknown,
          { input }: { input: { name: string; version: string; subscriptionTier?: string } },
        ) => {
          const problems = fleet.validateNewInstance(
            input,
            ids.map((id) => field(id, 'name')),
          );
          if (problems.conflict) return { __typename: 'ConflictError', message: problems.conflict };
          if (problems.fieldErrors.length) {
            return {
              __typename: 'InvalidInputError',
              message: 'The input is not valid.',
              fieldErrors: problems.fieldErrors,
            };
          }
          const instance = fleet.newInstance(input);
          mockStore.set('OdooInstance', instance.id, instance);
          ids.push(instance.id);
          return { __typename: 'CreateInstanceSuccess', instance: read(instance.id) };
        },
      },
      Subscription: {
        fleetEvents: {
          subscribe: () => fleetEventStream(mockStore, ids, options.eventIntervalMs ?? 2000),
          resolve: (event: unknown) => event,
        },
      },
    }),
  });
  return { schema, store };
}
