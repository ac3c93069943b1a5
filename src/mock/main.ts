// `npm run mock`: the API's schema with mocked data at http://localhost:4001/graphql
// (MOCK_PORT moves it), over HTTP, SSE and graphql-ws, with GraphiQL. No database and no
// key needed: any Authorization header is accepted and ignored.
import { createServer } from 'node:http';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { GRAPHQL_PATH } from '../app.js';
import { createGraphiQLRenderer, graphiqlOptions } from '../graphiql.js';
import { buildMockSchema } from './mock-schema.js';

const port = Number(process.env.MOCK_PORT ?? 4001);
const host = process.env.MOCK_HOST ?? '127.0.0.1';
const { schema } = buildMockSchema({ eventIntervalMs: Number(process.env.MOCK_EVENT_INTERVAL_MS ?? 2000) });

const yoga = createYoga({
  schema,
  graphqlEndpoint: GRAPHQL_PATH,
  graphiql: { ...graphiqlOptions, title: 'Odoo Fleet API (mock)' },
  renderGraphiQL: createGraphiQLRenderer(),
  landingPage: false,
  // Frontends in development run on their own origin.
  cors: { origin: '*', allowedHeaders: ['authorization', 'content-type'] },
});
const httpServer = createServer(yoga);
// Upgrades handed over by hand, so a port in use stays the HTTP server's own error.
const wsServer = new WebSocketServer({ noServer: true });
httpServer.on('upgrade', (req, socket, head) => {
  if ((req.url ?? '/').split('?')[0] !== GRAPHQL_PATH) return void socket.destroy();
  wsServer.handleUpgrade(req, socket, head, (client) => wsServer.emit('connection', client, req));
});
useServer({ schema }, wsServer);

httpServer.once('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(
    error.code === 'EADDRINUSE'
      ? `MOCK_PORT ${port} is already in use: set MOCK_PORT to a free port.\n`
      : `Mock server failed: ${error.message}\n`,
  );
  process.exit(1);
});
httpServer.listen(port, host, () => {
  const address = httpServer.address() as { port: number };
  process.stdout.write(
    `Odoo Fleet API mock ready at http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}${GRAPHQL_PATH} (any key works)\n`,
  );
});
const stop = () => {
  httpServer.closeAllConnections();
  httpServer.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
