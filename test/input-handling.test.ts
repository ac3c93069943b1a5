// Bad input gets a clean, typed answer (defects 4-12 of the security review), checked
// through the GraphQL API on real PostgreSQL. The last suite is generated from the
// schema: every String or ID field of every mutation input, with a NUL byte and with a
// value one character over its limit, answers a typed input error and changes nothing.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { ExecutionResult, GraphQLInputType } from 'graphql';
import { getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { schema } from '../src/schema/index.js';
import { DEFAULT_MAX_STRING_LENGTH, MAX_ID_LENGTH } from '../src/schema/input-guard.js';
import { isPrivateAddress } from '../src/services/webhooks/address-policy.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { operationCases } from './support/operations.js';
import { seedCompany, seedInstances, type SeededCompany } from './support/seed.js';
import { PLATFORM_TOKEN, startTestServer, wsClient, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;
let other: SeededCompany;
const logLines: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'inputs');
  other = await seedCompany(db.prisma, 'others');
  server = await startTestServer(db.prisma, {
    logger: createLogger('debug', (line) => logLines.push(line)),
    // Large enough for one template file one character over its 1 MB limit.
    maxRequestBytes: 3_000_000,
  });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function gql(
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<ExecutionResult & { text: string }> {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  const text = await response.text();
  return { ...(JSON.parse(text) as ExecutionResult), text };
}

const errorLines = () => logLines.filter((line) => (JSON.parse(line) as { level: string }).level === 'error');

describe('the platform operator', () => {
  it('reads the id of the first key it creates, and the token works (defect 4)', async () => {
    const newCompany = await seedCompany(db.prisma, 'bootstrapped');
    const created = await gql(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { created { token apiKey { id name role } } } } }`,
      {
        token: PLATFORM_TOKEN,
        variables: {
          input: { companyId: encodeGlobalID('Company', newCompany.id), name: 'first admin', role: 'ADMIN' },
        },
      },
    );
    expect(created.errors).toBeUndefined();
    const payload = (
      created.data as { createApiKey: { created: { token: string; apiKey: { id: string; name: string } } } }
    ).createApiKey.created;
    expect(payload.apiKey).toMatchObject({ id: expect.any(String), name: 'first admin' });
    const viewer = await gql('{ viewer { company { slug } } }', { token: payload.token });
    expect(viewer.data).toEqual({ viewer: { company: { slug: 'bootstrapped' } } });
  });
});

describe('mutations selecting only __typename (defect 5)', () => {
  it('answer their success after committing, not an internal error', async () => {
    const created = await gql(
      'mutation { createTemplate(input: { name: "typename only", version: "1.0", modules: ["sale"] }) { __typename } }',
      { token: company.token },
    );
    expect(created).toMatchObject({ data: { createTemplate: { __typename: 'CreateTemplateSuccess' } } });
    const template = await db.prisma.template.findFirstOrThrow({
      where: { companyId: company.id, name: 'typename only' },
    });
    const updated = await gql(
      `mutation { updateTemplate(input: { id: "${encodeGlobalID('Template', template.id)}", version: "1.1" }) { __typename } }`,
      { token: company.token },
    );
    expect(updated).toMatchObject({ data: { updateTemplate: { __typename: 'UpdateTemplateSuccess' } } });
    expect((await db.prisma.template.findUniqueOrThrow({ where: { id: template.id } })).version).toBe('1.1');
    // checkInstanceHealth goes through the same selection path (its provider here is unreachable).
    const [instance] = await seedInstances(db.prisma, company.id, 1, 'typename');
    const checked = await gql(
      `mutation { checkInstanceHealth(input: { instanceId: "${encodeGlobalID('OdooInstance', instance!.id)}" }) { __typename } }`,
      { token: company.token },
    );
    expect(checked.errors).toBeUndefined();
    expect((checked.data as { checkInstanceHealth: { __typename: string } }).checkInstanceHealth.__typename).toMatch(
      /^(CheckInstanceHealthSuccess|ConflictError)$/,
    );
  });
});

describe('subscriptions on a missing or foreign id (defect 6)', () => {
  const subscriptions = {
    backupStatus: ['backupId', 'Backup', '{ id }'],
    deploymentStatus: ['deploymentId', 'Deployment', '{ id }'],
    instanceHealth: ['instanceId', 'OdooInstance', '{ status }'],
    instanceMetrics: ['instanceId', 'OdooInstance', '{ cpuPercent }'],
  } as const;

  async function firstAnswer(field: string, argument: string, id: string): Promise<ExecutionResult> {
    const client = wsClient(server.wsUrl, company.token);
    try {
      return await new Promise<ExecutionResult>((resolve) => {
        client.subscribe(
          {
            query: `subscription($id: ID!) { ${field}(${argument}: $id) ${subscriptions[field as keyof typeof subscriptions][2]} }`,
            variables: { id },
          },
          {
            next: (value) => resolve(value as ExecutionResult),
            error: (error) =>
              resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] } as ExecutionResult),
            complete: () => resolve({ data: { completed: true } }),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  it.each(Object.entries(subscriptions))(
    '%s answers NOT_FOUND, the same for both, without an error in the log',
    async (field, [argument, typename]) => {
      const [foreignInstance] = await seedInstances(db.prisma, other.id, 1, `foreign-${field.toLowerCase()}`);
      const foreignIds: Record<string, () => Promise<string>> = {
        OdooInstance: async () => foreignInstance!.id,
        Backup: async () =>
          (await db.prisma.backup.create({ data: { companyId: other.id, instanceId: foreignInstance!.id } })).id,
        Deployment: async () =>
          (
            await db.prisma.deployment.create({
              data: { companyId: other.id, instanceId: foreignInstance!.id, branch: 'master' },
            })
          ).id,
      };
      const foreignId = await foreignIds[typename]!();
      const missingId = '6f1c1f8e-0000-4000-8000-00000000dead';
      const errorsBefore = errorLines().length;
      const foreign = await firstAnswer(field, argument, encodeGlobalID(typename, foreignId));
      const missing = await firstAnswer(field, argument, encodeGlobalID(typename, missingId));
      for (const answer of [foreign, missing]) {
        expect(answer.errors?.[0]).toMatchObject({
          message: expect.stringMatching(/^No /),
          extensions: { code: 'NOT_FOUND' },
        });
      }
      expect(JSON.stringify(foreign).split(foreignId).join('<id>')).toBe(
        JSON.stringify(missing).split(missingId).join('<id>'),
      );
      expect(errorLines().length).toBe(errorsBefore);
    },
  );
});

describe('NUL bytes (defect 7) and LIKE wildcards (defect 8)', () => {
  it('are input errors wherever they are sent, never internal errors', async () => {
    const withNul = 'a\u0000b';
    const answers = [
      await gql('query($text: String) { instances(filter: { nameContains: $text }) { totalCount } }', {
        token: company.token,
        variables: { text: withNul },
      }),
      await gql('query($text: String) { templates(nameContains: $text) { totalCount } }', {
        token: company.token,
        variables: { text: withNul },
      }),
      await gql('query($text: String) { viewer { company { auditEvents(operation: $text) { totalCount } } } }', {
        token: company.token,
        variables: { text: withNul },
      }),
    ];
    for (const answer of answers) {
      expect(answer.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: [{ message: 'must not contain NUL characters' }],
      });
    }
    const template = await gql(
      'mutation($name: String!) { createTemplate(input: { name: $name, version: "1.0", modules: ["sale"] }) { __typename ... on InvalidInputError { fieldErrors { path message } } } }',
      {
        token: company.token,
        variables: { name: withNul },
      },
    );
    expect(template.data).toEqual({
      createTemplate: {
        __typename: 'InvalidInputError',
        fieldErrors: [{ path: ['name'], message: 'must not contain NUL characters' }],
      },
    });
    const key = await gql(
      'mutation($name: String!) { createApiKey(input: { name: $name, role: VIEWER }) { __typename } }',
      { token: company.token, variables: { name: withNul } },
    );
    expect(key.data).toEqual({ createApiKey: { __typename: 'InvalidInputError' } });
  });

  it('match % and _ as themselves in name filters', async () => {
    const wild = await seedCompany(db.prisma, 'wildcards');
    await seedInstances(db.prisma, wild.id, 3, 'shop');
    await db.prisma.odooInstance.create({
      data: { companyId: wild.id, name: 'sale_100pct', database: 'x', version: '17.0', status: 'RUNNING' },
    });
    const count = async (text: string) =>
      (
        (
          await gql('query($text: String) { instances(filter: { nameContains: $text }) { totalCount } }', {
            token: wild.token,
            variables: { text },
          })
        ).data as { instances: { totalCount: number } }
      ).instances.totalCount;
    expect(await count('%')).toBe(0);
    expect(await count('_')).toBe(1);
    expect(await count('e_1')).toBe(1);
    expect(await count('shop')).toBe(3);
    expect(await count('SHOP-00')).toBe(3);
  });
});

describe('webhook addresses (defect 9)', () => {
  it('refuse IPv4-compatible and IPv4-mapped IPv6 forms of private addresses', async () => {
    for (const address of [
      '::7f00:1',
      '::127.0.0.1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::a9fe:a9fe',
      '::10.0.0.1',
      '2002:7f00:1::',
      '0:0:0:0:0:ffff:c0a8:101',
    ]) {
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    }
    expect(['::808:808', '2a00:1450::1', '::ffff:8.8.8.8'].map(isPrivateAddress)).toEqual([false, false, false]);
    const strict = await startTestServer(db.prisma, { webhookPolicy: { allowPrivateNetworks: false } });
    try {
      for (const url of ['https://[::7f00:1]/hook', 'https://[::127.0.0.1]/hook']) {
        const response = await fetch(strict.httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${company.token}` },
          body: JSON.stringify({
            query: `mutation { createWebhookEndpoint(input: { url: "${url}", eventTypes: [BACKUP] }) { __typename } }`,
          }),
        });
        expect(await response.json()).toEqual({ data: { createWebhookEndpoint: { __typename: 'InvalidInputError' } } });
      }
      expect(await db.prisma.webhookEndpoint.count({ where: { companyId: company.id } })).toBe(0);
    } finally {
      await strict.stop();
    }
  });
});

describe('a huge invalid id from an anonymous caller (defect 11)', () => {
  it('is answered and logged with a short prefix at most', async () => {
    const huge = `not-an-id-${'x'.repeat(500_000)}`;
    const before = logLines.length;
    const answer = await gql('query($id: ID!) { node(id: $id) { id } }', { variables: { id: huge } });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.text.length).toBeLessThan(1000);
    const literal = await gql(`{ node(id: "${huge}") { id } }`);
    expect(literal.text.length).toBeLessThan(1000);
    // graphql-js quotes a value it cannot coerce: only a prefix comes back.
    const coerced = await gql('query($first: Int) { instances(first: $first) { totalCount } }', {
      token: company.token,
      variables: { first: huge },
    });
    expect(coerced.errors?.[0]?.message).toMatch(/Int cannot represent/);
    expect(coerced.text.length).toBeLessThan(1000);
    const newLines = logLines.slice(before);
    expect(newLines.every((line) => line.length < 1000)).toBe(true);
    expect(newLines.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });
});

describe('aliases of __typename (defect 12)', () => {
  it('count toward the alias limit', async () => {
    const aliases = Array.from({ length: 25 }, (_, index) => `t${index}: __typename`).join(' ');
    const answer = await gql(`{ ${aliases} }`, { token: company.token });
    expect(answer.errors?.[0]?.message).toMatch(/Aliases limit of 20 exceeded, found 25/);
    expect(answer.data).toBeUndefined();
  });
});

/** Paths of every String and ID field inside an input type, with the limit each must hold to. */
function stringFields(
  type: GraphQLInputType,
  path: string[],
  seen: Set<string>,
): Array<{ path: string[]; limit: number }> {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return stringFields(inner.ofType, [...path, '0'], seen);
  const named = getNamedType(inner);
  if (named.name === 'String' || named.name === 'ID')
    return [{ path, limit: named.name === 'ID' ? MAX_ID_LENGTH : DEFAULT_MAX_STRING_LENGTH }];
  if (!isInputObjectType(named) || seen.has(named.name)) return [];
  return Object.values(named.getFields()).flatMap((field) =>
    stringFields(field.type, [...path, field.name], new Set([...seen, named.name])).map((found) =>
      found.path.length === path.length + 1 && typeof field.extensions.maxLength === 'number'
        ? { ...found, limit: field.extensions.maxLength }
        : found,
    ),
  );
}

/** A new input object with its required String, enum and Boolean fields filled, as a client would send it. */
function requiredFieldsOf(type: GraphQLInputType): Record<string, unknown> {
  const named = getNamedType(type);
  if (!isInputObjectType(named)) return {};
  return Object.fromEntries(
    Object.values(named.getFields())
      .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
      .map((field) => {
        const inner = getNamedType(field.type);
        const sample = isEnumType(inner) ? inner.getValues()[0]!.value : inner.name === 'Boolean' ? false : 'probe';
        return [field.name, isListType(isNonNullType(field.type) ? field.type.ofType : field.type) ? [sample] : sample];
      }),
  );
}

/** `current` with `leaf` placed at `path` (input fields and list indexes below `type`). */
function withValueAt(current: unknown, type: GraphQLInputType, path: string[], leaf: string): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return leaf;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const list = Array.isArray(current) ? [...(current as unknown[])] : [];
    const item =
      list[Number(key)] ?? (isInputObjectType(getNamedType(inner.ofType)) ? requiredFieldsOf(inner.ofType) : undefined);
    list[Number(key)] = withValueAt(item, inner.ofType, rest, leaf);
    return list;
  }
  if (!isInputObjectType(inner)) throw new Error(`no field ${key} in ${String(inner)}`);
  const object = { ...((current as Record<string, unknown> | undefined) ?? requiredFieldsOf(inner)) };
  object[key] = withValueAt(object[key], inner.getFields()[key]!.type, rest, leaf);
  return object;
}

describe('every String and ID field of every mutation input (generated from the schema)', () => {
  const mutationType = schema.getMutationType()!;
  const argTypes = new Map(
    Object.values(mutationType.getFields()).flatMap((field) =>
      field.args.map((arg) => [`${field.name}.${arg.name}`, arg.type] as const),
    ),
  );
  const cases = operationCases('mutation').flatMap((operation) =>
    mutationType.getFields()[operation.field]!.args.flatMap((arg) =>
      stringFields(arg.type, [arg.name], new Set()).flatMap(({ path, limit }) => [
        { name: `${operation.field} ${path.join('.')} with a NUL byte`, operation, path, value: 'bad\u0000value' },
        {
          name: `${operation.field} ${path.join('.')} one character over ${limit}`,
          operation,
          path,
          value: 'x'.repeat(limit + 1),
        },
      ]),
    ),
  );

  it('finds the inputs to walk', () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(cases.map((found) => found.name)).toEqual(
      expect.arrayContaining([
        'createTemplate input.files.0.content one character over 1000000',
        'setInstanceCredentials input.gitCredential with a NUL byte',
      ]),
    );
  });

  it.each(cases.map((found) => [found.name, found] as const))(
    '%s: a typed input error, nothing changed',
    async (_name, { operation, path, value }) => {
      const ids = (typename: string) => encodeGlobalID(typename, '6f1c1f8e-0000-4000-8000-00000000beef');
      const sample = operation.variables(ids);
      const variables = {
        ...sample,
        [path[0]!]: withValueAt(sample[path[0]!], argTypes.get(`${operation.field}.${path[0]}`)!, path.slice(1), value),
      };
      const auditBefore = await db.prisma.auditEvent.count();
      const answer = await gql(
        operation.document.replace(
          /\.\.\. on Error \{ message \}/,
          '... on InvalidInputError { fieldErrors { path message } }',
        ),
        {
          token:
            operation.field === 'createCompany' || operation.field === 'rotateEncryptionKey'
              ? PLATFORM_TOKEN
              : company.token,
          variables,
        },
      );
      const result = answer.data?.[operation.field] as
        { __typename?: string; fieldErrors?: Array<{ path: string[] }> } | undefined;
      const expectedPath = path[0] === 'input' ? path.slice(1) : path;
      if (result) {
        expect(result).toMatchObject({ __typename: 'InvalidInputError', fieldErrors: [{ path: expectedPath }] });
      } else {
        expect(answer.errors?.[0]?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          fieldErrors: [{ path: expectedPath }],
        });
      }
      expect(answer.text.length).toBeLessThan(2000);
      expect(await db.prisma.auditEvent.count()).toBe(auditBefore);
    },
  );
});
