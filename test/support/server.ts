// The real app on a loopback port, and typed clients for it over HTTP and graphql-ws.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { buildApp, GRAPHQL_PATH, type App } from '../../src/app.js';
import type { SqlReader } from '../../src/db/sql-reader.js';
import { sqlReaderOf } from './database.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { PubSub } from '../../src/pubsub.js';
import { createProviderRegistry, type ProviderRegistry } from '../../src/providers/registry.js';
import { parseKeyRing, type KeyRing } from '../../src/services/crypto/key-ring.js';
import { createUrlSigner } from '../../src/services/backups/download-urls.js';
import { createLocalBackupStore, type BackupStore } from '../../src/services/storage/backup-store.js';
import { createGitPublisher, type GitPublisher } from '../../src/services/deployments/git-publisher.js';
import type { Poller } from '../../src/jobs/poller.js';
import type { AddressPolicy } from '../../src/services/webhooks/address-policy.js';
import type { RepositoryPolicy } from '../../src/services/instances/destination-urls.js';
import type { RequestLimits } from '../../src/services/rate-limit/rate-limiter.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';

export interface TestServer {
  app: App;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export const PLATFORM_TOKEN = 'platform-admin-token-for-tests-0123456789abcdef';

/** A fixed test key (32 zero-to-31 bytes), so envelopes written by one helper open in another. */
export const TEST_KEY_SPEC = `test1:${Buffer.from(Array.from({ length: 32 }, (_, index) => index)).toString('base64')}`;
export const testKeyRing = parseKeyRing(TEST_KEY_SPEC);

/** The provider API of the default test registry (nothing listens there). */
export const TEST_PROVIDER_BASE_URL = 'http://127.0.0.1:9/api/v1';

/** Worker dependencies the tests rarely vary; a worker never waits between looks. */
export function testOperationDeps() {
  return {
    keyRing: testKeyRing,
    git: createGitPublisher({ timeoutMs: 20_000 }),
    author: { name: 'Fleet Test', email: 'fleet@test.invalid' },
    pollMs: 0,
  };
}

export async function startTestServer(
  prisma: PrismaClient,
  overrides: {
    production?: boolean;
    introspection?: boolean;
    graphiql?: boolean;
    pingDatabase?: () => Promise<boolean>;
    keyRing?: KeyRing;
    logger?: Logger;
    authFailuresPerMinute?: number;
    trustProxy?: boolean;
    maxRequestBytes?: number;
    providers?: ProviderRegistry;
    pubsub?: PubSub;
    backupStore?: BackupStore;
    git?: GitPublisher;
    poller?: Poller;
    webhookPolicy?: AddressPolicy;
    /** default: local bare repositories allowed, as the deployment tests push to them */
    repositoryPolicy?: RepositoryPolicy;
    requestLimits?: RequestLimits;
    subscriptionsPerKey?: number;
    telemetry?: Telemetry;
    metricsToken?: string;
    /** a fixed port (a restarted server comes back where clients knew it) */
    port?: number;
    /** default: the reader of the test database the client belongs to */
    sql?: SqlReader;
  } = {},
): Promise<TestServer> {
  const app = buildApp({
    prisma,
    sql: overrides.sql ?? sqlReaderOf(prisma),
    pingDatabase: overrides.pingDatabase ?? (async () => true),
    logger: overrides.logger ?? createLogger('silent'),
    keyRing: overrides.keyRing ?? testKeyRing,
    pubsub: overrides.pubsub,
    backupStore: overrides.backupStore ?? createLocalBackupStore('/nonexistent/fleet-test-backups'),
    signer: createUrlSigner(testKeyRing.deriveKey('backup-download-urls')),
    git: overrides.git,
    poller: overrides.poller,
    webhookPolicy: overrides.webhookPolicy,
    repositoryPolicy: overrides.repositoryPolicy ?? { allowInsecureRepositories: true },
    requestLimits: overrides.requestLimits,
    subscriptionsPerKey: overrides.subscriptionsPerKey,
    telemetry: overrides.telemetry,
    metricsToken: overrides.metricsToken,
    providers:
      overrides.providers ??
      createProviderRegistry({
        keyRing: testKeyRing,
        // Nothing listens here: tests that reach a provider pass their own registry.
        odooShBaseUrl: TEST_PROVIDER_BASE_URL,
        timeoutMs: 500,
      }),
    authFailuresPerMinute: overrides.authFailuresPerMinute ?? 1000,
    trustProxy: overrides.trustProxy,
    maxRequestBytes: overrides.maxRequestBytes,
    platformAdminToken: PLATFORM_TOKEN,
    graphiql: overrides.graphiql ?? true,
    introspection: overrides.introspection ?? true,
    production: overrides.production ?? false,
  });
  const address = await app.listen(overrides.port ?? 0, '127.0.0.1');
  const base = `127.0.0.1:${address.port}${GRAPHQL_PATH}`;
  let stopped = false;
  return {
    app,
    httpUrl: `http://${base}`,
    wsUrl: `ws://${base}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.stop(1_000);
    },
  };
}

/** Runs a typed operation over HTTP; the result is typed by the operation's document. */
export async function execute<TResult, TVariables>(
  url: string,
  document: TypedDocumentNode<TResult, TVariables>,
  options: { variables?: TVariables; token?: string } = {},
): Promise<ExecutionResult<TResult> & { status: number }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query: print(document), variables: options.variables ?? {} }),
  });
  return { ...((await response.json()) as ExecutionResult<TResult>), status: response.status };
}

/** `keepOpen` holds the socket open between operations (graphql-ws closes lazy idle ones). */
export function wsClient(url: string, token?: string, keepOpen = false): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: !keepOpen,
    // A held-open socket closed by the server is expected in tests that close it.
    onNonLazyError: () => {},
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** One result of an operation over graphql-ws. */
export function executeOverWs<TResult, TVariables>(
  client: Client,
  document: TypedDocumentNode<TResult, TVariables>,
  variables?: TVariables,
): Promise<ExecutionResult<TResult>> {
  return new Promise((resolve, reject) => {
    let result: ExecutionResult<TResult> | undefined;
    client.subscribe<TResult>(
      { query: print(document), variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (value) => (result = value as ExecutionResult<TResult>),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}
