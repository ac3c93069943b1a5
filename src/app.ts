// Builds the HTTP server (GraphQL over HTTP and SSE, GraphiQL, health probes) and the
// graphql-ws endpoint on the same port and path. Building is separate from listening,
// so tests and the composition root decide where and when it runs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionArgs } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, type Plugin } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller, GraphQLContext } from './context.js';
import { isExpectedFailure, maskError, shortened } from './errors.js';
import { createGraphiQLRenderer, graphiqlOptions, operationAuthorization } from './graphiql.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { SqlReader } from './db/sql-reader.js';
import { createDrain, SHUTTING_DOWN } from './drain.js';
import { hardeningPlugins } from './hardening.js';
import { compiledQueries } from './compiled-execution.js';
import { socketSubscribe } from './ws-subscribe.js';
import { auditDenials } from './schema/audit/audit-denials.js';
import { auditInputs } from './schema/audit/audit-inputs.js';
import { localConnectionSlots, newConnectionId, type ConnectionSlots } from './services/rate-limit/connection-slots.js';
import type { Logger } from './logger.js';
import { createFleetPubSub, type PubSub } from './pubsub.js';
import { NotAuthenticatedError, RateLimitedError } from './schema/errors/error-classes.js';
import { schema } from './schema/index.js';
import { createLoaders } from './schema/loaders.js';
import { authenticate, bearerToken, lastUseRecorder } from './services/auth/authenticate.js';
import { fleetServices } from './services/fleet-services.js';
import { createFailureLimiter, failureCounters } from './services/auth/failure-limiter.js';
import { createInstanceScopes } from './services/auth/instance-scope.js';
import { atExpiry } from './services/auth/expiry.js';
import { createRevocationWatch } from './services/auth/revocation-watch.js';
import type { KeyRing } from './services/crypto/key-ring.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { UrlSigner } from './services/backups/download-urls.js';
import type { BackupStore } from './services/storage/backup-store.js';
import { createGitPublisher, type GitPublisher } from './services/deployments/git-publisher.js';
import { createPoller, type Poller } from './jobs/poller.js';
import type { AddressPolicy } from './services/webhooks/address-policy.js';
import type { RepositoryPolicy } from './services/instances/destination-urls.js';
import {
  createRequestLimits,
  memoryCounterStore,
  rateLimitHeaders,
  type RequestLimits,
} from './services/rate-limit/rate-limiter.js';
import { serveFleetPage } from './fleet-page.js';
import { serveMetrics } from './telemetry/metrics-endpoint.js';
import { scopeFromHeaders } from './telemetry/request-context.js';
import { createTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { telemetryPlugin } from './telemetry/yoga-telemetry.js';

export const GRAPHQL_PATH = '/graphql';

/** graphql-ws close code when the key of a connection is unknown, revoked or throttled */
export const WS_CLOSE_UNAUTHORIZED = 4401;
export const WS_CLOSE_TOO_MANY = 4429;

export interface AppOptions {
  prisma: PrismaClient;
  /** plain SQL for hot reads, through the database's pool (Database.sql) */
  sql: SqlReader;
  /** readiness: whether the database answers */
  pingDatabase: () => Promise<boolean>;
  logger: Logger;
  keyRing: KeyRing;
  providers: ProviderRegistry;
  backupStore: BackupStore;
  /** reads and pushes instances' git repositories (default: the git command line) */
  git?: GitPublisher;
  /** polls instances on request (checkInstanceHealth); default: a poller with default settings */
  poller?: Poller;
  /** webhook URLs: private networks are refused unless allowed (development, tests) */
  webhookPolicy?: AddressPolicy;
  /** repository URLs: http:// and local paths are refused unless allowed (development, tests) */
  repositoryPolicy?: RepositoryPolicy;
  signer: UrlSigner;
  /** the address clients reach this server at, for download URLs; default: where it listens */
  publicUrl?: string;
  pubsub?: PubSub;
  platformAdminToken?: string;
  graphiql: boolean;
  introspection: boolean;
  /** production hides error details and field suggestions */
  production: boolean;
  maxRequestBytes?: number;
  authFailuresPerMinute?: number;
  trustProxy?: boolean;
  corsOrigins?: string[];
  /** request budgets per API key and address (default: generous, counted in this process) */
  requestLimits?: RequestLimits;
  /** open graphql-ws connections one API key may hold on this replica; default 100 */
  subscriptionsPerKey?: number;
  /** where those connections are counted (shared through Redis by the server when REDIS_URL is set); default this process */
  connectionSlots?: ConnectionSlots;
  /** on shutdown, how long /ready answers 503 before streams are completed (load balancers look first); default 0 */
  drainGraceMs?: number;
  /** metrics, traces and request ids (default: metrics of this app only, no tracing) */
  telemetry?: Telemetry;
  /** /metrics requires `Authorization: Bearer <metricsToken>` when set */
  metricsToken?: string;
}

export interface App {
  httpServer: Server;
  pubsub: PubSub;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** stops accepting, lets in-flight requests finish (up to `timeoutMs`), closes sockets */
  stop(timeoutMs: number): Promise<void>;
}

/** What Yoga gets from the transport: the Node request, plus connection params over WebSocket. */
interface ServerContext {
  req?: IncomingMessage;
  connectionParams?: Readonly<Record<string, unknown>>;
  /** over graphql-ws: the caller its connection (or operation) was authenticated as, not looked up again */
  authenticated?: { caller: Caller | null };
}

/** What graphql-ws keeps per connection: its upgrade request and socket, and its caller once connected. */
type ConnectionExtra = {
  request: IncomingMessage;
  socket: WebSocket;
  caller?: Caller | null;
};

const disableIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

export function buildApp(options: AppOptions): App {
  const pubsub = options.pubsub ?? createFleetPubSub();
  const poller =
    options.poller ??
    createPoller({
      prisma: options.prisma,
      pubsub,
      providers: options.providers,
      logger: options.logger,
      intervalMs: 60_000,
      concurrency: 8,
      timeoutMs: 10_000,
      retentionDays: 30,
    });
  const limiter = createFailureLimiter(options.authFailuresPerMinute ?? 20);
  const instanceScoped = createInstanceScopes(options.prisma);
  const maxRequestBytes = options.maxRequestBytes ?? 1_000_000;
  const requestLimits =
    options.requestLimits ??
    createRequestLimits(memoryCounterStore(), {
      perKey: { name: 'key', quota: 600, windowSeconds: 60 },
      perAddress: { name: 'address', quota: 1200, windowSeconds: 60 },
    });
  const subscriptionsPerKey = options.subscriptionsPerKey ?? 100;
  const connectionSlots = options.connectionSlots ?? localConnectionSlots(subscriptionsPerKey);
  const revocationWatch = createRevocationWatch(pubsub);
  const lastUse = lastUseRecorder();

  /** Spends from the caller's budgets and sets the RateLimit fields; false when a budget is spent. */
  async function withinLimits(
    req: IncomingMessage,
    res: ServerResponse | null,
  ): Promise<{ allowed: boolean; retryAfter: number }> {
    const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : null;
    try {
      const usages = await requestLimits.spend({ address: clientAddress(req), authorization });
      const headers = rateLimitHeaders(usages);
      for (const [name, value] of Object.entries(headers)) res?.setHeader(name, value);
      return { allowed: !headers['Retry-After'], retryAfter: Number(headers['Retry-After'] ?? 0) };
    } catch (error) {
      // A counter store that fails (Redis down) must not take the API down with it.
      options.logger.warn('rate limits not checked', { error: error instanceof Error ? error.message : String(error) });
      return { allowed: true, retryAfter: 0 };
    }
  }
  const telemetry = options.telemetry ?? createTelemetry({ defaultMetrics: false });
  /** An error masked or rewritten on its way to a client: a prefix of it, at debug when it is the caller's. */
  const logRewrittenError = (error: unknown) =>
    (isExpectedFailure(error) ? options.logger.debug : options.logger.error)(shortened(String(error), 500));
  const drain = createDrain({
    onOpen: (transport) => telemetry.metrics.openSubscriptions.inc({ transport }),
    onEnd: (transport) => telemetry.metrics.openSubscriptions.dec({ transport }),
  });

  const clientAddress = (req: IncomingMessage | undefined): string => {
    const forwarded = options.trustProxy
      ? String(req?.headers['x-forwarded-for'] ?? '')
          .split(',')[0]
          ?.trim()
      : '';
    return forwarded || req?.socket.remoteAddress || 'unknown';
  };

  /**
   * The caller of a token; throws for a bad token, with 429 once its address or its key
   * prefix failed too often. A valid key is checked first and always passes.
   */
  async function callerOf(authorization: string | null, address: string): Promise<Caller | null> {
    if (!authorization) return null;
    const token = bearerToken(authorization);
    const caller = token
      ? await authenticate(
          { prisma: options.prisma, sql: options.sql, platformAdminToken: options.platformAdminToken, lastUse },
          token,
        )
      : null;
    if (caller) return caller;
    const counters = failureCounters(address, token);
    const retryAfter = limiter.retryAfter(counters);
    limiter.recordFailure(counters);
    if (retryAfter > 0) throw new RateLimitedError(retryAfter);
    throw new NotAuthenticatedError('The API key is unknown or revoked.');
  }

  const git = options.git ?? createGitPublisher();
  // A request's dependencies and bound services depend only on its Prisma client (the
  // server's, or one narrowed to a key's instances, itself cached): made once per client
  // rather than on every request. Remade after listen(), which fixes the public URL.
  let byClient = new WeakMap<PrismaClient, Omit<GraphQLContext, 'caller' | 'loaders'>>();
  const dependenciesOf = (prisma: PrismaClient) => {
    let made = byClient.get(prisma);
    if (!made) {
      const dependencies = {
        prisma,
        sql: options.sql,
        pubsub,
        keyRing: options.keyRing,
        providers: options.providers,
        downloads: { signer: options.signer, publicUrl: options.publicUrl ?? listeningUrl },
        backupStore: options.backupStore,
        git,
        poller,
        webhookPolicy: options.webhookPolicy ?? { allowPrivateNetworks: false },
        repositoryPolicy: options.repositoryPolicy ?? { allowInsecureRepositories: false },
        revocations: revocationWatch,
      };
      made = { ...dependencies, services: fleetServices(dependencies) };
      byClient.set(prisma, made);
    }
    return made;
  };

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: options.graphiql ? graphiqlOptions : false,
    renderGraphiQL: createGraphiQLRenderer(),
    landingPage: false,
    cors: options.corsOrigins?.length
      ? { origin: options.corsOrigins, credentials: false, allowedHeaders: ['authorization', 'content-type'] }
      : false,
    maskedErrors: { isDev: !options.production, maskError },
    logging: {
      // Yoga's messages may quote what a caller sent: only a prefix reaches the log.
      debug: (...args) => options.logger.debug(shortened(String(args[0]), 500)),
      info: (...args) => options.logger.info(shortened(String(args[0]), 500)),
      warn: (...args) => options.logger.warn(shortened(String(args[0]), 500)),
      // Yoga reports every error it rewrote; a caller's bad input is not this server's failure.
      error: (...args) => logRewrittenError(args[0]),
    },
    plugins: [
      ...hardeningPlugins({ production: options.production }),
      auditDenials,
      auditInputs,
      drain.plugin,
      // Before telemetry, which wraps whichever executor runs.
      compiledQueries((message) => options.logger.error(message)),
      telemetryPlugin(telemetry),
      ...(options.introspection ? [] : [disableIntrospection]),
    ],
    context: async ({ request, req, connectionParams, authenticated }) => {
      const authorization = request?.headers.get('authorization') ?? stringParam(connectionParams, 'authorization');
      const caller = authenticated ? authenticated.caller : await callerOf(authorization, clientAddress(req));
      // A key limited to some instances reaches only their rows, whatever the resolver does.
      const prisma =
        caller?.kind === 'apiKey' && caller.instanceIds ? instanceScoped(caller.instanceIds) : options.prisma;
      return {
        ...dependenciesOf(prisma),
        caller,
        loaders: createLoaders(prisma),
        endsWithConnection: authenticated !== undefined,
      };
    },
  });

  let listeningUrl = 'http://localhost';
  let shuttingDown = false;
  let inFlight = 0;
  const drained: Array<() => void> = [];

  const httpServer = createServer((req, res) => {
    inFlight += 1;
    const scope = scopeFromHeaders({ get: (name) => [req.headers[name]].flat()[0] ?? null });
    res.setHeader('x-request-id', scope.requestId);
    const startedAt = performance.now();
    res.on('close', () => {
      // Method, path and outcome only: bodies and headers may hold tokens and secrets.
      options.logger.debug('request', {
        method: req.method,
        path: (req.url ?? '/').split('?')[0],
        status: res.statusCode,
        ms: Math.round(performance.now() - startedAt),
        address: clientAddress(req),
        requestId: scope.requestId,
      });
      inFlight -= 1;
      if (inFlight === 0) drained.splice(0).forEach((resolve) => resolve());
    });
    telemetry.context.run(scope, () => void route(req, res));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (path === '/metrics') return serveMetrics(telemetry.metrics, options.metricsToken, req, res);
    if (req.method === 'GET' && (await serveFleetPage(path ?? '/', res))) return;
    if (path === '/ready') {
      const ready = !shuttingDown && (await options.pingDatabase());
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable' });
    }
    const file = /^\/backups\/([0-9a-f-]{36})\/file$/.exec(path ?? '');
    if (file && req.method === 'GET')
      return serveBackupFile(file[1]!, new URL(req.url ?? '/', 'http://local').searchParams, res);
    const limits = await withinLimits(req, res);
    if (!limits.allowed) {
      return sendJson(res, 429, {
        errors: [
          {
            message: `Too many requests; try again in ${limits.retryAfter} s.`,
            extensions: { code: 'RATE_LIMITED', retryAfter: limits.retryAfter },
          },
        ],
      });
    }
    const refusal = bodyRefusal(req, maxRequestBytes);
    if (refusal) return sendJson(res, refusal.status, { errors: [{ message: refusal.message }] });
    if (shuttingDown) {
      // Draining: requests in flight finish, new ones go to another replica.
      res.setHeader('connection', 'close');
      return sendJson(res, 503, {
        errors: [
          { message: 'The server is shutting down; retry on another replica.', extensions: { code: SHUTTING_DOWN } },
        ],
      });
    }
    return yoga.handle(req, res);
  }

  /** A stored backup file, for whoever holds a valid signed URL (no API key needed). */
  async function serveBackupFile(backupId: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const refusal = options.signer.check(backupId, query.get('expires'), query.get('signature'));
    if (refusal) return sendJson(res, 403, { error: `This download link is not valid (${refusal}).` });
    const backup = await options.prisma.backup.findUnique({
      where: { id: backupId },
      select: { storageKey: true, sizeBytes: true, instance: { select: { name: true } }, createdAt: true },
    });
    const size = backup?.storageKey ? await options.backupStore.size(backup.storageKey) : null;
    if (!backup?.storageKey || size === null)
      return sendJson(res, 404, { error: 'The backup file is no longer stored.' });
    const filename = `${backup.instance.name}-${backup.createdAt.toISOString().slice(0, 19).replace(/[T:]/g, '-')}.zip`;
    res.writeHead(200, {
      'content-type': 'application/zip',
      'content-length': size,
      'content-disposition': `attachment; filename="${filename}"`,
    });
    options.backupStore
      .read(backup.storageKey)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  // graphql-ws on the same port and path; every operation is parsed, validated and given
  // its context by Yoga's enveloped pipeline (caches, limits, plugins); queries and
  // mutations run through it, subscriptions through ws-subscribe.ts (one wrapper a stream).
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: maxRequestBytes });
  // Upgrades are handed over by hand rather than with `server:`, which would also forward
  // the HTTP server's errors (a port in use) to graphql-ws as a WebSocket failure.
  httpServer.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '/').split('?')[0] !== GRAPHQL_PATH) return void socket.destroy();
    wsServer.handleUpgrade(req, socket, head, (client) => wsServer.emit('connection', client, req));
  });
  const socketsByKey = new Map<string, Set<WebSocket>>();
  // Masks an error as Yoga's maskedErrors does (the same function, the same log), for streams run outside its pipeline.
  const maskSocketError = (error: unknown): GraphQLError => {
    const masked = maskError(error, 'Unexpected error.', !options.production);
    if (masked !== error) logRewrittenError(error);
    return masked as GraphQLError;
  };
  const subscribeOverSocket = socketSubscribe({ drain, telemetry, maskError: maskSocketError });
  const wsCleanup = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      // Authenticate at connect time: a bad key never gets a connection.
      onConnect: async (ctx) => {
        try {
          const caller = await callerOf(
            stringParam(ctx.connectionParams, 'authorization'),
            clientAddress(ctx.extra.request),
          );
          if (caller?.kind === 'apiKey') {
            const { apiKeyId } = caller;
            const connectionId = newConnectionId();
            if (!(await connectionSlots.acquire(apiKeyId, connectionId))) {
              ctx.extra.socket.close(
                WS_CLOSE_TOO_MANY,
                `This API key holds ${subscriptionsPerKey} connections already`,
              );
              return false;
            }
            // A client gone while the slot was taken gives it back at once (no close event follows).
            if (ctx.extra.socket.readyState >= ctx.extra.socket.CLOSING) {
              await connectionSlots.release(apiKeyId, connectionId);
              return false;
            }
            ctx.extra.socket.once('close', () => void connectionSlots.release(apiKeyId, connectionId));
          }
          if (caller) closeOnRevocation(caller, ctx.extra.socket);
          // The key is looked up once per connection: its operations reuse this caller (a
          // revoked or expired key closes the connection, see closeOnRevocation).
          ctx.extra.caller = caller;
          return true;
        } catch (error) {
          ctx.extra.socket.close(
            WS_CLOSE_UNAUTHORIZED,
            error instanceof Error ? error.message.slice(0, 120) : 'Unauthorized',
          );
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        // A key sent with the operation (GraphiQL's Headers tab) is checked here, as
        // the connection's key was at connect time, and takes its place for this operation.
        const operationKey = operationAuthorization(payload.extensions);
        let caller = ctx.extra.caller ?? null;
        if (operationKey) {
          try {
            caller = await callerOf(operationKey, clientAddress(ctx.extra.request));
            if (caller) closeOnRevocation(caller, ctx.extra.socket);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new NotAuthenticatedError()];
          }
        }
        const enveloped = yoga.getEnveloped({
          ...ctx,
          connectionParams: operationKey
            ? { ...ctx.connectionParams, authorization: operationKey }
            : ctx.connectionParams,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          authenticated: { caller },
          params: payload,
        });
        const document = enveloped.parse(payload.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: subscribeOverSocket } as EnvelopedRoot,
        };
        return args;
      },
    },
    wsServer,
  );

  function closeOnRevocation(caller: Caller, socket: WebSocket): void {
    if (caller.kind !== 'apiKey') return;
    const sockets = socketsByKey.get(caller.apiKeyId) ?? new Set();
    sockets.add(socket);
    socketsByKey.set(caller.apiKeyId, sockets);
    socket.once('close', () => sockets.delete(socket));
    if (caller.expiresAt) {
      // An expiring key loses its connection when it expires, as a revoked one does.
      const cancel = atExpiry(caller.expiresAt, () => socket.close(WS_CLOSE_UNAUTHORIZED, 'API key expired'));
      socket.once('close', cancel);
    }
  }

  // A revoked key loses its open sockets on every replica (the event crosses replicas with Redis).
  const revocations = pubsub.subscribe('apiKeyRevoked');
  void (async () => {
    for await (const { apiKeyId } of revocations) {
      for (const socket of socketsByKey.get(apiKeyId) ?? []) socket.close(WS_CLOSE_UNAUTHORIZED, 'API key revoked');
      socketsByKey.delete(apiKeyId);
    }
  })();

  return {
    httpServer,
    pubsub,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address() as AddressInfo;
          const shownHost = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          listeningUrl = `http://${shownHost}:${address.port}`;
          byClient = new WeakMap();
          resolve(address);
        });
      });
    },
    async stop(timeoutMs) {
      // From here /ready answers 503 and new GraphQL requests are refused, while the
      // listener stays open so probes get that answer instead of a refused connection.
      shuttingDown = true;
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
      // Every subscription (SSE or graphql-ws) gets a last result with the reason, then completes.
      if (options.drainGraceMs) await new Promise((resolve) => setTimeout(resolve, options.drainGraceMs));
      drain.begin();
      await Promise.race([drain.settled(), timeout]);
      await new Promise((resolve) => setImmediate(resolve)); // let the completions be written
      // WebSocket clients are then told the server is going away (1001) and may reconnect elsewhere.
      await wsCleanup.dispose();
      await revocations.return?.();
      await revocationWatch.close();
      const drainedNow = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => drained.push(resolve));
      if ((await Promise.race([drainedNow, timeout])) === 'timeout') {
        options.logger.warn('shutdown timeout: closing remaining connections', { inFlight });
      }
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await closed;
      await yoga.dispose();
    },
  };
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

/** Bodies must declare their length, so an oversized one is refused before it is read. */
function bodyRefusal(req: IncomingMessage, maxBytes: number): { status: number; message: string } | null {
  if (req.method !== 'POST') return null;
  const length = req.headers['content-length'];
  if (length === undefined) {
    return req.headers['transfer-encoding'] ? { status: 411, message: 'Send a Content-Length header.' } : null;
  }
  if (Number(length) > maxBytes) {
    return { status: 413, message: `Request body is larger than ${maxBytes} bytes.` };
  }
  return null;
}

function stringParam(params: Readonly<Record<string, unknown>> | undefined, name: string): string | null {
  const value = params?.[name] ?? params?.[name[0]!.toUpperCase() + name.slice(1)];
  return typeof value === 'string' ? value : null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
