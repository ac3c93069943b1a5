// The baseline of `npm run bench:fanout`: a bare graphql-ws server (graphql-js, no auth,
// no plugins) with the same FleetEvent subscription, and a node:http endpoint whose
// mutation publishes one event to every subscriber. Reports memory to the parent over IPC.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { buildSchema, graphql, type GraphQLFieldConfig } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Repeater } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { serveStats } from '../api/stats.js';

interface FleetEvent {
  kind: string;
  subjectId: string;
  status: string;
  occurredAt: string;
}

const schema = buildSchema(`
  type FleetEvent { kind: String! subjectId: ID! status: String! occurredAt: String! }
  type Query { ok: Boolean }
  type Mutation { publish: FleetEvent! }
  type Subscription { fleetEvents: FleetEvent! }
`);
const subscribers = new Set<(event: FleetEvent) => void>();
const fleetEvents = schema.getSubscriptionType()!.getFields().fleetEvents as unknown as GraphQLFieldConfig<
  unknown,
  unknown
>;
fleetEvents.subscribe = () =>
  new Repeater<{ fleetEvents: FleetEvent }>(async (push, stop) => {
    const deliver = (event: FleetEvent) => void push({ fleetEvents: event });
    subscribers.add(deliver);
    await stop;
    subscribers.delete(deliver);
  });
const rootValue = {
  publish: () => {
    const event = {
      kind: 'INSTANCE',
      subjectId: randomUUID(),
      status: 'CREATING',
      occurredAt: new Date().toISOString(),
    };
    for (const deliver of subscribers) deliver(event);
    return event;
  },
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { query } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string };
    void graphql({ schema, source: query, rootValue }).then((result) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
  });
});
const wsServer = new WebSocketServer({ server, path: '/graphql' });
const cleanup = useServer({ schema, roots: { subscription: {} } }, wsServer);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  serveStats(port, { statements: 0 }, async () => {
    await cleanup.dispose();
    server.close();
  });
});
