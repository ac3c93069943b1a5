// Every mutation leaves an audit row; no secret reaches a response, a log line or an
// audit row, and the database holds only envelopes.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import {
  AuditLogDocument,
  CreateApiKeyDocument,
  CreateCompanyDocument,
  InstancesDocument,
  RevokeApiKeyDocument,
  SetInstanceCredentialsDocument,
} from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedApiKey, seedCompany, seedInstances, type SeededCompany } from './support/seed.js';
import { execute, PLATFORM_TOKEN, startTestServer, type TestServer } from './support/server.js';

let db: TestDatabase;
let server: TestServer;
let company: SeededCompany;
let instanceId: string;
const logLines: string[] = [];
const responseBodies: string[] = [];

const SECRETS = {
  providerToken: 'sh-token-7f3a9c1e-PROVIDER',
  odooPassword: 'odoo-pw-55d1b2c8-PASSWORD',
  masterPassword: 'master-pw-0e9f8a7b-MASTER',
  gitCredential: 'ghp_git-cred-3c4d5e6f-GIT',
};

/** execute() that keeps every response body for the final search. */
const run: typeof execute = async (url, document, options) => {
  const result = await execute(url, document, options);
  responseBodies.push(JSON.stringify(result));
  return result;
};

beforeAll(async () => {
  db = await createTestDatabase();
  company = await seedCompany(db.prisma, 'audited');
  instanceId = (await seedInstances(db.prisma, company.id, 1, 'audited'))[0]!.id;
  server = await startTestServer(db.prisma, { logger: createLogger('debug', (line) => logLines.push(line)) });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('audit log', () => {
  it('records successes, failures and denials with actor, company, target and time', async () => {
    const viewerToken = await seedApiKey(db.prisma, company.id, 'VIEWER');
    const admin = await db.prisma.apiKey.findFirstOrThrow({ where: { companyId: company.id, role: 'ADMIN' } });

    const created = await run(server.httpUrl, CreateApiKeyDocument, {
      token: company.token,
      variables: { input: { name: 'ci deploys', role: 'OPERATOR' } },
    });
    if (created.data?.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error('key not created');
    const newKeyId = created.data.createApiKey.created.apiKey.id;
    await run(server.httpUrl, RevokeApiKeyDocument, {
      token: company.token,
      variables: { input: { id: encodeGlobalID('ApiKey', '6f1c1f8e-0000-4000-8000-00000000beef') } },
    });
    const denied = await run(server.httpUrl, CreateApiKeyDocument, {
      token: viewerToken,
      variables: { input: { name: 'sneaky', role: 'ADMIN' } },
    });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const log = await run(server.httpUrl, AuditLogDocument, { token: company.token, variables: { first: 10 } });
    const events = log.data!.viewer!.company!.auditEvents.edges.map((edge) => edge.node);
    expect(events.map((event) => [event.operation, event.outcome])).toEqual([
      ['createApiKey', 'DENIED'],
      ['revokeApiKey', 'FAILURE'],
      ['createApiKey', 'SUCCESS'],
    ]);
    expect(events[2]).toMatchObject({
      actorKind: 'API_KEY',
      actorId: admin.id,
      targetId: Buffer.from(newKeyId, 'base64').toString().split(':')[1],
    });
    // What was asked, with the error: the input, never a secret.
    expect(events[1]!.details).toEqual({
      error: 'NotFoundError',
      input: { id: encodeGlobalID('ApiKey', '6f1c1f8e-0000-4000-8000-00000000beef') },
    });
    expect(events[2]!.details).toEqual({ input: { name: 'ci deploys', role: 'OPERATOR' } });
    expect(Date.now() - Date.parse(events[0]!.createdAt)).toBeLessThan(60_000);

    const filtered = await run(server.httpUrl, AuditLogDocument, {
      token: company.token,
      variables: { operation: 'revokeApiKey' },
    });
    expect(filtered.data!.viewer!.company!.auditEvents.totalCount).toBe(1);
  });

  it("records the platform operator's company creation under the new company", async () => {
    const result = await run(server.httpUrl, CreateCompanyDocument, {
      token: PLATFORM_TOKEN,
      variables: { input: { name: 'Initech', slug: 'initech' } },
    });
    if (result.data?.createCompany.__typename !== 'CreateCompanySuccess') throw new Error(JSON.stringify(result));
    const row = await db.prisma.auditEvent.findFirstOrThrow({ where: { operation: 'createCompany' } });
    expect(row).toMatchObject({ actorKind: 'PLATFORM_ADMIN', outcome: 'SUCCESS' });
    expect(encodeGlobalID('Company', row.companyId!)).toBe(result.data.createCompany.company.id);

    const duplicate = await run(server.httpUrl, CreateCompanyDocument, {
      token: PLATFORM_TOKEN,
      variables: { input: { name: 'Initech again', slug: 'initech' } },
    });
    expect(duplicate.data?.createCompany).toMatchObject({ __typename: 'ConflictError' });
    const invalid = await run(server.httpUrl, CreateCompanyDocument, {
      token: PLATFORM_TOKEN,
      variables: { input: { name: '', slug: 'Not A Slug' } },
    });
    expect(invalid.data?.createCompany).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [
        { path: ['name'], message: 'must not be empty' },
        { path: ['slug'], message: expect.stringMatching(/lowercase/) },
      ],
    });
  });
});

describe('secrets', () => {
  it('are stored as envelopes, reported only as configured, and never appear anywhere else', async () => {
    const id = encodeGlobalID('OdooInstance', instanceId);
    const set = await run(server.httpUrl, SetInstanceCredentialsDocument, {
      token: company.token,
      variables: { input: { instanceId: id, odooLogin: 'admin', ...SECRETS } },
    });
    expect(set.data?.setInstanceCredentials).toMatchObject({
      __typename: 'SetInstanceCredentialsSuccess',
      instance: { credentialsConfigured: true },
    });

    // Refused input must not echo the value either.
    const refused = await run(server.httpUrl, SetInstanceCredentialsDocument, {
      token: company.token,
      variables: { input: { instanceId: id, odooPassword: `${SECRETS.odooPassword}${'x'.repeat(5000)}` } },
    });
    expect(refused.data?.setInstanceCredentials.__typename).toBe('InvalidInputError');
    await run(server.httpUrl, InstancesDocument, { token: company.token });
    await run(server.httpUrl, AuditLogDocument, { token: company.token, variables: { first: 50 } });

    const row = await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: instanceId } });
    for (const column of ['providerTokenEnc', 'odooPasswordEnc', 'masterPasswordEnc', 'gitCredentialEnc'] as const) {
      expect(row[column]).toMatch(/^v2\.test1\./);
    }
    const credentialsAudit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { operation: 'setInstanceCredentials', outcome: 'SUCCESS' },
    });
    expect(credentialsAudit.details).toEqual({
      input: {
        instanceId: id,
        odooLogin: 'admin',
        ...Object.fromEntries(Object.keys(SECRETS).map((name) => [name, '[redacted]'])),
      },
    });
    const auditRows = JSON.stringify(await db.prisma.auditEvent.findMany());
    const storedInstance = JSON.stringify(row);
    for (const secret of Object.values(SECRETS)) {
      for (const [where, text] of [
        ['responses', responseBodies.join('\n')],
        ['logs', logLines.join('\n')],
        ['audit rows', auditRows],
        ['instance row', storedInstance],
      ] as const) {
        expect(text.includes(secret), `${secret} found in ${where}`).toBe(false);
      }
    }
    // The search itself works: there are responses and log lines to search.
    expect(responseBodies.join('\n')).toContain('credentialsConfigured');
    expect(logLines.filter((line) => line.includes('"request"')).length).toBeGreaterThan(3);
  });

  it('shows an API token once, and stores only its hash', async () => {
    const created = await run(server.httpUrl, CreateApiKeyDocument, {
      token: company.token,
      variables: { input: { name: 'one-time', role: 'VIEWER' } },
    });
    if (created.data?.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error('key not created');
    const token = created.data.createApiKey.created.token;
    expect(token).toMatch(/^ofk_[A-Za-z0-9_-]{43}$/);
    const stored = JSON.stringify(await db.prisma.apiKey.findMany());
    expect(stored.includes(token)).toBe(false);
    expect(logLines.join('\n').includes(token)).toBe(false);
    expect(JSON.stringify(await db.prisma.auditEvent.findMany()).includes(token)).toBe(false);
    // …and it works.
    const viewer = await execute(server.httpUrl, InstancesDocument, { token });
    expect(viewer.data?.instances.totalCount).toBe(1);
  });
});
