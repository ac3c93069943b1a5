// `npm run mock` as a frontend team uses it: the README's dashboard query, a mutation
// whose effect a later query shows, typed errors, paging, and live fleetEvents.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { graphql } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/paths.js';
import { buildMockSchema } from '../src/mock/mock-schema.js';

let child: ChildProcess;
let url: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  // Its own process group, so stopping it stops npm, tsx and node alike.
  child = spawn('npm', ['run', 'mock', '--silent'], {
    cwd: projectRoot,
    env: { ...process.env, MOCK_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /mock ready at (http:\/\/\S+)/.exec(output);
      if (ready) resolve(ready[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm run mock exited with ${code}:\n${output}`)));
  });
});
afterAll(() => {
  if (child?.pid) process.kill(-child.pid, 'SIGTERM');
});

interface InstanceNode {
  id: string;
  name: string;
  status: string;
  version: string;
  url: string;
  latestBackup: { sizeBytes: string };
  latestDeployment: { commitHash: string };
}
interface InstancesPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ node: InstanceNode }>;
}
interface MutationResult {
  __typename: string;
  message?: string;
  instance: InstanceNode;
  fieldErrors: Array<{ path: string[]; message: string }>;
}

async function post<T = { instances: InstancesPage }>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer any-key' },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** The dashboard query exactly as the README shows it. */
function readmeFleetQuery(): string {
  const readme = readFileSync(`${projectRoot}README.md`, 'utf8');
  return /```graphql\n(query Fleet \{[\s\S]*?)```/.exec(readme)![1]!;
}

describe('npm run mock', () => {
  it('answers the README dashboard query with a stable, plausible fleet', async () => {
    const first = await post(readmeFleetQuery());
    const again = await post(readmeFleetQuery());
    expect(again).toEqual(first);
    const { instances } = first;
    expect(instances.totalCount).toBeGreaterThan(10);
    expect(instances.edges).toHaveLength(Math.min(20, instances.totalCount));
    const names = instances.edges.map((edge) => edge.node.name);
    expect(names).toEqual([...names].sort());
    for (const { node } of instances.edges) {
      expect(['RUNNING', 'SUSPENDED']).toContain(node.status);
      expect(node.version).toMatch(/^1[6-9]\.0$/);
      expect(node.url).toMatch(/^https:\/\/[a-z-]+\.odoo\.com$/);
      expect(Number(node.latestBackup.sizeBytes)).toBeGreaterThan(100 * 1_048_576);
      expect(node.latestDeployment.commitHash).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('pages without overlap and filters consistently', async () => {
    const query = `query ($after: String) { instances(first: 5, after: $after, orderBy: { field: NAME }) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const { instances }: { instances: InstancesPage } = await post(query, { after });
      total = instances.totalCount;
      seen.push(...instances.edges.map((edge) => edge.node.name));
      if (!instances.pageInfo.hasNextPage) break;
      after = instances.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const filtered = await post(
      '{ instances(filter: { nameContains: "STAGING" }) { totalCount edges { node { name } } } }',
    );
    expect(filtered.instances.totalCount).toBe(seen.filter((name) => name.includes('staging')).length);
  });

  it('keeps what a mutation changed, and answers bad input with the error types', async () => {
    const mutation = `mutation ($name: String!, $version: String!) { createInstance(input: { name: $name, version: $version, subscriptionTier: GROWTH }) {
      __typename ... on CreateInstanceSuccess { instance { id name status } } ... on InvalidInputError { fieldErrors { path message } } ... on Error { message } } }`;
    const created = (
      await post<{ createInstance: MutationResult }>(mutation, { name: 'frontend-demo', version: '18.0' })
    ).createInstance;
    expect(created).toMatchObject({
      __typename: 'CreateInstanceSuccess',
      instance: { name: 'frontend-demo', status: 'CREATING' },
    });

    const shown = await post<Record<string, unknown>>(
      'query ($id: ID!) { instance(id: $id) { name version subscriptionTier status } instances(filter: { nameContains: "frontend-demo" }) { totalCount } }',
      { id: created.instance.id },
    );
    expect(shown).toEqual({
      instance: { name: 'frontend-demo', version: '18.0', subscriptionTier: 'GROWTH', status: 'CREATING' },
      instances: { totalCount: 1 },
    });

    expect(
      (await post<{ createInstance: MutationResult }>(mutation, { name: 'frontend-demo', version: '18.0' }))
        .createInstance,
    ).toEqual({ __typename: 'ConflictError', message: 'An instance named "frontend-demo" already exists.' });
    const invalid = (await post<{ createInstance: MutationResult }>(mutation, { name: 'Not Valid', version: 'latest' }))
      .createInstance;
    expect(invalid.__typename).toBe('InvalidInputError');
    expect(invalid.fieldErrors.map((error) => error.path.join('.'))).toEqual(['input.name', 'input.version']);
  });

  it('streams fleetEvents over graphql-ws, at least two within 10 s', async () => {
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: 'Bearer any-key' },
    });
    const events: Array<{ kind: string; status: string; subjectId: string }> = [];
    const started = Date.now();
    try {
      for await (const result of client.iterate({
        query: 'subscription { fleetEvents { kind status subjectId occurredAt } }',
      })) {
        events.push((result.data as { fleetEvents: { kind: string; status: string; subjectId: string } }).fleetEvents);
        if (events.length === 2) break;
      }
    } finally {
      await client.dispose();
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const event of events) {
      expect(['DEPLOYMENT', 'HEALTH', 'INSTANCE', 'BACKUP']).toContain(event.kind);
      expect(event.status).toMatch(/^[A-Z_]+$/);
    }
  });

  it('can be built in-process by a frontend test', async () => {
    const { schema } = buildMockSchema({ seed: 7 });
    const result = await graphql({ schema, source: '{ instances(first: 2) { totalCount edges { node { name } } } }' });
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({
      instances: {
        totalCount: 24,
        edges: [{ node: { name: expect.any(String) } }, { node: { name: expect.any(String) } }],
      },
    });
  });
});
