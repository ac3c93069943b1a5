// Builds the HTTP server (GraphQL over HTTP and SSE, GraphiQL, health probes) and the
// graphql-ws endpoint on the same port and path. Building is separate from listening,
// so tests and the composition root decide where and when it runs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NoSchemaIntrospectionCustomRule, type ExecutionArgs } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, type Plugin } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { GraphQLContext } from './context.js';
import { maskError } from './errors.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { Logger } from './logger.js';
import { createFleetPubSub, type PubSub } from './pubsub.js';
import { schema } from './schema/index.js';
import { createLoaders } from './schema/loaders.js';
import { authenticate, bearerToken } from './services/auth/authenticate.js';

export const GRAPHQL_PATH = '/graphql';

export interface AppOptions {
  prisma: PrismaClient;
  /** readiness: whether the database answers */
  pingDatabase: () => Promise<boolean>;
  logger: Logger;
  pubsub?: PubSub;
  platformAdminToken?: string;
  graphiql: boolean;
  introspection: boolean;
  /** production hides error details; development adds them to masked errors */
  production: boolean;
}

export interface App {
  httpServer: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** stops accepting, lets in-flight requests finish (up to `timeoutMs`), closes sockets */
  stop(timeoutMs: number): Promise<void>;
}

/** What Yoga gets from the transport: a Fetch request over HTTP, connection params over WebSocket. */
interface ServerContext {
  connectionParams?: Readonly<Record<string, unknown>>;
}

const disableIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

export function buildApp(options: AppOptions): App {
  const pubsub = options.pubsub ?? createFleetPubSub();
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: options.graphiql ? { subscriptionsProtocol: 'WS', title: 'Odoo Fleet API' } : false,
    landingPage: false,
    maskedErrors: { isDev: !options.production, maskError },
    logging: {
      debug: (...args) => options.logger.debug(String(args[0])),
      info: (...args) => options.logger.info(String(args[0])),
      warn: (...args) => options.logger.warn(String(args[0])),
      error: (...args) => options.logger.error(String(args[0]), { detail: String(args[1] ?? '') }),
    },
    plugins: options.introspection ? [] : [disableIntrospection],
    context: async ({ request, connectionParams }) => {
      const header = request?.headers.get('authorization') ?? stringParam(connectionParams, 'authorization');
      const caller = await authenticate(
        { prisma: options.prisma, platformAdminToken: options.platformAdminToken },
        bearerToken(header),
      );
      return { prisma: options.prisma, pubsub, caller, loaders: createLoaders(options.prisma) };
    },
  });

  let shuttingDown = false;
  let inFlight = 0;
  const drained: Array<() => void> = [];

  const httpServer = createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained.splice(0).forEach((resolve) => resolve());
    });
    void route(req, res);
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (path === '/ready') {
      const ready = !shuttingDown && (await options.pingDatabase());
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable' });
    }
    if (shuttingDown) res.setHeader('connection', 'close');
    return yoga.handle(req, res);
  }

  // graphql-ws on the same port and path; every operation runs Yoga's own enveloped
  // pipeline, so its parse/validate caches, plugins and context apply here too.
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const wsCleanup = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
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
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } as EnvelopedRoot,
        };
        return args;
      },
    },
    wsServer,
  );

  return {
    httpServer,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      });
    },
    async stop(timeoutMs) {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      // WebSocket clients are told the server is going away (1001) and may reconnect elsewhere.
      await wsCleanup.dispose();
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
      const drainedNow = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => drained.push(resolve));
      if ((await Promise.race([drainedNow, timeout])) === 'timeout') {
        options.logger.warn('shutdown timeout: closing remaining connections', { inFlight });
      }
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

function stringParam(params: Readonly<Record<string, unknown>> | undefined, name: string): string | null {
  const value = params?.[name] ?? params?.[name[0]!.toUpperCase() + name.slice(1)];
  return typeof value === 'string' ? value : null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
