// The subscribers of `npm run bench:fanout`, in a process of their own: N raw graphql-ws
// connections (graphql-transport-ws protocol), each subscribed to fleetEvents, recording
// when each event arrives. Driven by the parent over IPC.
import WebSocket from 'ws';

interface Connection {
  socket: WebSocket;
  arrivals: number[];
}

const SUBSCRIPTION = 'subscription { fleetEvents { kind subjectId status occurredAt } }';
let connections: Connection[] = [];
const now = () => performance.timeOrigin + performance.now();

function open(url: string, token: string): Promise<Connection | null> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const connection: Connection = { socket, arrivals: [] };
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
        resolve(connection);
      } else if (message.type === 'next') connection.arrivals.push(now());
      else if (message.type === 'error') resolve(null);
    });
    socket.on('error', () => resolve(null));
    socket.on('close', () => resolve(null));
  });
}

async function connect(url: string, token: string, count: number): Promise<number> {
  for (let start = 0; start < count; start += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, count - start) }, () => open(url, token)));
    connections.push(...batch.filter((connection): connection is Connection => connection !== null));
  }
  return connections.length;
}

/** waits until every connection got `count` events (or the deadline); arrival times of event `count - 1` */
async function arrivals(count: number, timeoutMs: number): Promise<{ times: number[]; missing: number }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && connections.some((connection) => connection.arrivals.length < count)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const times = connections
    .map((connection) => connection.arrivals[count - 1])
    .filter((time): time is number => time !== undefined);
  return { times, missing: connections.length - times.length };
}

async function closeAll(): Promise<void> {
  await Promise.all(
    connections.map(
      ({ socket }) =>
        new Promise((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve(null);
          socket.once('close', resolve);
          socket.close(1000);
        }),
    ),
  );
  connections = [];
}

process.on(
  'message',
  (message: {
    connect?: { url: string; token: string; count: number };
    arrivals?: { count: number; timeoutMs: number };
    reset?: true;
    close?: true;
  }) => {
    void (async () => {
      if (message.connect)
        process.send?.({ connected: await connect(message.connect.url, message.connect.token, message.connect.count) });
      else if (message.arrivals)
        process.send?.({ arrivals: await arrivals(message.arrivals.count, message.arrivals.timeoutMs) });
      else if (message.reset) {
        for (const connection of connections) connection.arrivals = [];
        process.send?.({ reset: true });
      } else if (message.close) {
        await closeAll();
        process.send?.({ closed: true });
      }
    })();
  },
);
process.send?.({ ready: true });
