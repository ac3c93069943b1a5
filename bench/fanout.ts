// `npm run bench:fanout`: N graphql-ws subscribers of fleetEvents on the project's server
// against a bare graphql-ws server (graphql-js, no auth, no plugins), one event published
// at a time by a mutation over HTTP. Per N and server: delivery latency p50/p99 (from just
// before the mutation is sent to each subscriber's receipt), live memory per subscriber,
// and the mutation's response time against the same mutation with no subscriber.
// Servers and subscribers run in processes of their own; each run starts its server afresh
// (memory that a previous run freed stays in a process's RSS), warms it up with a few
// mutations, then measures. Runs alternate between the two servers, three repeats;
// results are ratios to the bare server measured in the same run.
// Writes bench/results/fanout.json. Environment: BENCH_SUBSCRIBERS=1000,5000,10000
// BENCH_REPEATS=3 BENCH_EVENTS=3 (published per run).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { hashApiToken } from '../src/services/auth/authenticate.js';
import { ratio, spread, startBenchPostgres } from './support/bench-postgres.js';
import { startBenchServer, type BenchServer } from './support/bench-server.js';

const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,5000,10000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 3);
const DELIVERY_TIMEOUT_MS = 60_000;

type FanOutServer = BenchServer<'project' | 'bare'> & { token: string; mutation: () => string };
type ServerFactory = { name: FanOutServer['name']; start: () => Promise<FanOutServer> };
const WARM_UP_MUTATIONS = 10;

/** The subscribers' process, and a typed question-and-answer over IPC. */
function startSubscribers(): Promise<{
  child: ChildProcess;
  ask<Reply>(message: object, key: string): Promise<Reply>;
}> {
  const child = fork('bench/fanout/subscribers.ts', [], { execArgv: ['--import', 'tsx'] });
  const ask = <Reply>(message: object, key: string) =>
    new Promise<Reply>((resolve) => {
      const onMessage = (reply: unknown) => {
        if (reply && typeof reply === 'object' && key in reply) {
          child.off('message', onMessage);
          resolve((reply as Record<string, Reply>)[key]!);
        }
      };
      child.on('message', onMessage);
      child.send(message);
    });
  return new Promise((resolve) => child.once('message', () => resolve({ child, ask })));
}

async function mutate(server: FanOutServer): Promise<number> {
  const started = performance.now();
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ query: server.mutation() }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (!response.ok || body.errors)
    throw new Error(`${server.name}: mutation failed: ${JSON.stringify(body).slice(0, 300)}`);
  return performance.now() - started;
}

const median = (values: number[]) => spread(values).median;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

interface RunFigures {
  subscribers: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  kbPerSubscriber: number;
  /** JavaScript heap only (after a collection) */
  heapKbPerSubscriber: number;
  mutationMs: number;
  mutationMsWithoutSubscribers: number;
  /** the mutation's time at N subscribers over its time with none */
  mutationSlowdown: number;
}

async function run(
  factory: ServerFactory,
  subscribers: Awaited<ReturnType<typeof startSubscribers>>,
  count: number,
): Promise<RunFigures> {
  const server = await factory.start();
  try {
    return await measure(server, subscribers, count);
  } finally {
    await server.stop();
  }
}

async function measure(
  server: FanOutServer,
  subscribers: Awaited<ReturnType<typeof startSubscribers>>,
  count: number,
): Promise<RunFigures> {
  for (let warmUp = 0; warmUp < WARM_UP_MUTATIONS; warmUp += 1) await mutate(server);
  const alone: number[] = [];
  for (let event = 0; event < EVENTS; event += 1) alone.push(await mutate(server));
  const before = await server.memory();
  const connected = await subscribers.ask<number>(
    { connect: { url: server.wsUrl, token: server.token, count } },
    'connected',
  );
  if (connected !== count) throw new Error(`${server.name}: ${connected} of ${count} subscribers connected`);
  // Warm-up: publish until every subscription is registered and has received an event.
  for (let attempt = 0; ; attempt += 1) {
    await mutate(server);
    const { missing } = await subscribers.ask<{ missing: number }>(
      { arrivals: { count: 1, timeoutMs: 2000 } },
      'arrivals',
    );
    if (missing === 0) break;
    if (attempt === 20) throw new Error(`${server.name}: ${missing} subscribers never got an event`);
  }
  await subscribers.ask({ reset: true }, 'reset');
  const after = await server.memory();
  const latencies: number[] = [];
  const withSubscribers: number[] = [];
  for (let event = 1; event <= EVENTS; event += 1) {
    const sentAt = performance.timeOrigin + performance.now();
    withSubscribers.push(await mutate(server));
    const { times, missing } = await subscribers.ask<{ times: number[]; missing: number }>(
      { arrivals: { count: event, timeoutMs: DELIVERY_TIMEOUT_MS } },
      'arrivals',
    );
    if (missing > 0) throw new Error(`${server.name}: ${missing} of ${count} subscribers missed event ${event}`);
    latencies.push(...times.map((time) => time - sentAt));
  }
  await subscribers.ask({ close: true }, 'closed');
  latencies.sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(2));
  return {
    subscribers: count,
    deliveryP50Ms: round(percentile(latencies, 50)),
    deliveryP99Ms: round(percentile(latencies, 99)),
    kbPerSubscriber: round((after.rssBytes - before.rssBytes) / 1024 / count),
    heapKbPerSubscriber: round((after.heapUsedBytes - before.heapUsedBytes) / 1024 / count),
    mutationMs: round(median(withSubscribers)),
    mutationMsWithoutSubscribers: round(median(alone)),
    mutationSlowdown: round(median(withSubscribers) / median(alone)),
  };
}

function summary(runs: RunFigures[]) {
  const of = (key: keyof RunFigures) => spread(runs.map((figures) => figures[key]));
  return {
    deliveryP50Ms: of('deliveryP50Ms'),
    deliveryP99Ms: of('deliveryP99Ms'),
    kbPerSubscriber: of('kbPerSubscriber'),
    heapKbPerSubscriber: of('heapKbPerSubscriber'),
    mutationMs: of('mutationMs'),
    mutationMsWithoutSubscribers: of('mutationMsWithoutSubscribers'),
    mutationSlowdown: of('mutationSlowdown'),
  };
}

async function main() {
  const postgres = await startBenchPostgres('fleet_bench_fanout');
  const database = await openDatabase({
    url: postgres.url,
    embeddedDataDir: join(tmpdir(), 'unused'),
    poolSize: 2,
    migrateOnStart: true,
  });
  const company = await database.prisma.company.create({ data: { name: 'Bench fan-out', slug: 'bench-fanout' } });
  const token = `ofk_bench_fanout_${'x'.repeat(32)}`;
  await database.prisma.apiKey.create({
    data: {
      companyId: company.id,
      name: 'bench',
      role: 'ADMIN',
      tokenHash: hashApiToken(token),
      tokenPrefix: token.slice(0, 8),
    },
  });
  await database.close();
  let created = 0;
  const project: ServerFactory = {
    name: 'project',
    start: async () => ({
      ...(await startBenchServer('project', 'bench/api/project-server.ts', [postgres.url])),
      token,
      mutation: () =>
        `mutation { createInstance(input: { name: "fanout-${process.pid}-${(created += 1)}", version: "17.0" }) { __typename ... on CreateInstanceSuccess { instance { id status } } } }`,
    }),
  };
  const bare: ServerFactory = {
    name: 'bare',
    start: async () => ({
      ...(await startBenchServer('bare', 'bench/fanout/bare-server.ts', [])),
      token,
      mutation: () => 'mutation { publish { subjectId status } }',
    }),
  };
  const subscribers = await startSubscribers();
  try {
    const loadAverageBefore = loadavg();
    const results = [];
    for (const count of SIZES) {
      const runs: { project: RunFigures[]; bare: RunFigures[] } = { project: [], bare: [] };
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        const order = repeat % 2 === 0 ? [project, bare] : [bare, project];
        for (const server of order) runs[server.name].push(await run(server, subscribers, count));
        const [p, b] = [runs.project.at(-1)!, runs.bare.at(-1)!];
        console.log(
          `${count} subscribers, repeat ${repeat + 1}: p99 ${p.deliveryP99Ms}/${b.deliveryP99Ms} ms, KB ${p.kbPerSubscriber}/${b.kbPerSubscriber}, mutation x${p.mutationSlowdown}/x${b.mutationSlowdown} (project/bare)`,
        );
      }
      const projectSummary = summary(runs.project);
      const bareSummary = summary(runs.bare);
      results.push({
        subscribers: count,
        project: projectSummary,
        bare: bareSummary,
        /** medians: project over bare graphql-ws, and the project's mutation over its own time with no subscriber */
        ratios: {
          deliveryP99: ratio(projectSummary.deliveryP99Ms.median, bareSummary.deliveryP99Ms.median),
          memoryPerSubscriber: ratio(projectSummary.kbPerSubscriber.median, bareSummary.kbPerSubscriber.median),
          heapPerSubscriber: ratio(projectSummary.heapKbPerSubscriber.median, bareSummary.heapKbPerSubscriber.median),
          mutationWithSubscribersOverWithout: projectSummary.mutationSlowdown.median,
        },
        runs,
      });
    }
    const output = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      subscription:
        'fleetEvents { kind subjectId status occurredAt }, raw graphql-transport-ws clients in one separate process',
      mutation: { project: 'createInstance (key check, transaction, audit, publish)', bare: 'publish (no database)' },
      eventsPerRun: EVENTS,
      repeats: REPEATS,
      loadAverage: { before: loadAverageBefore, after: loadavg() },
      results,
    };
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/fanout.json', `${JSON.stringify(output, null, 2)}\n`);
  } finally {
    subscribers.child.kill();
    postgres.stop();
  }
}

await main();
