// What one poll tick costs for a large fleet: 5,000 instances on the Odoo.sh simulator
// (in its own process, so its CPU is not counted here), polled by one replica. The
// baseline, measured in the same run, makes the same provider calls with the same
// concurrency and stores nothing: the ratio is the price of leases, storage and events.
// Run: npm run bench:poller [-- instances] (writes bench/results/poller.json).
// Database: BENCH_DATABASE_URL (a real PostgreSQL; an empty database), else the embedded one.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { createPoller } from '../src/jobs/poller.js';
import { createLogger } from '../src/logger.js';
import { CircuitBreakers } from '../src/providers/circuit-breaker.js';
import { OdooShHttp } from '../src/providers/odoo-sh/http.js';
import { OdooShProvider } from '../src/providers/odoo-sh/odoo-sh-provider.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { createFleetPubSub } from '../src/pubsub.js';
import { parseKeyRing } from '../src/services/crypto/key-ring.js';
import { pollInstance } from '../src/services/observability/poll-instance.js';

const INSTANCES = Number(process.argv[2] ?? 5000);
const CONCURRENCY = 32;
const KEY_SPEC = `bench:${Buffer.alloc(32, 7).toString('base64')}`;

async function startSimulatorProcess(): Promise<{ baseUrl: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/doubles/odoo-sh/main.ts'], {
    env: { ...process.env, SIMULATOR_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { baseUrl, stop: () => child.kill('SIGTERM') };
}

async function limited<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function measure() {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wallMs: Math.round(performance.now() - started), cpuMs: Math.round((used.user + used.system) / 1000) };
  };
}

async function main() {
  const simulator = await startSimulatorProcess();
  const dataDir = await mkdtemp(join(tmpdir(), 'fleet-bench-pg-'));
  let statements = 0;
  const database = await openDatabase({
    url: process.env.BENCH_DATABASE_URL,
    embeddedDataDir: dataDir,
    poolSize: 10,
    migrateOnStart: true,
    onQuery: () => (statements += 1),
  });
  const { prisma } = database;
  try {
    const provider = new OdooShProvider(
      new OdooShHttp({
        baseUrl: simulator.baseUrl,
        token: 'bench',
        breaker: new CircuitBreakers().for(simulator.baseUrl),
        timeoutMs: 30_000,
      }),
    );
    const company = await prisma.company.create({ data: { name: 'Bench', slug: `bench-${Date.now()}` } });
    const ids: string[] = [];
    await limited(
      Array.from({ length: INSTANCES }, (_, index) => index),
      CONCURRENCY,
      async (index) => {
        const name = `bench-${index}`;
        ids.push(
          (
            await provider.createInstance({
              name,
              database: `bench_${index}`,
              version: '17.0',
              subscriptionTier: 'starter',
            })
          ).id,
        );
      },
    );
    await prisma.odooInstance.createMany({
      data: ids.map((instanceId, index) => ({
        companyId: company.id,
        name: `bench-${index}`,
        database: `bench_${index}`,
        version: '17.0',
        status: 'RUNNING' as const,
        instanceId,
      })),
    });

    // Baseline: the same calls, nothing stored.
    const now = new Date();
    const baselineDone = measure();
    await limited(ids, CONCURRENCY, (id) =>
      pollInstance(provider, id, { metricAt: null, logAt: null }, { now, timeoutMs: 30_000, intervalMs: 60_000 }),
    );
    const baseline = baselineDone();

    const poller = createPoller({
      prisma,
      pubsub: createFleetPubSub(),
      providers: createProviderRegistry({
        keyRing: parseKeyRing(KEY_SPEC),
        odooShBaseUrl: simulator.baseUrl,
        odooShDefaultToken: 'bench',
        timeoutMs: 30_000,
      }),
      logger: createLogger('warn'),
      intervalMs: 60_000,
      concurrency: CONCURRENCY,
      timeoutMs: 30_000,
      batchSize: 500,
      retentionDays: 30,
      tickBudgetMs: 600_000,
    });
    const ticks = [];
    for (let round = 0; round < 3; round += 1) {
      await prisma.instancePollState.updateMany({ data: { nextPollAt: new Date(0) } });
      statements = 0;
      const done = measure();
      const report = await poller.tick();
      const cost = done();
      ticks.push({
        round: round + 1,
        instancesPolled: report.instancesPolled,
        failures: report.failures,
        ...cost,
        sqlStatements: statements,
      });
    }
    const steady = ticks.slice(1);
    const tickMs = Math.round(steady.reduce((sum, tick) => sum + tick.wallMs, 0) / steady.length);
    const cpuMs = Math.round(steady.reduce((sum, tick) => sum + tick.cpuMs, 0) / steady.length);
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      database: database.embedded ? 'embedded (PGlite)' : 'postgresql',
      instances: INSTANCES,
      concurrency: CONCURRENCY,
      ticks,
      steadyTick: {
        wallMs: tickMs,
        cpuMs,
        cpuMsPerInstance: Math.round((cpuMs / INSTANCES) * 1000) / 1000,
        instancesPerSecond: Math.round(INSTANCES / (tickMs / 1000)),
      },
      baselineProviderCallsOnly: {
        ...baseline,
        cpuMsPerInstance: Math.round((baseline.cpuMs / INSTANCES) * 1000) / 1000,
      },
      ratios: {
        wallVsBaseline: Math.round((tickMs / baseline.wallMs) * 100) / 100,
        cpuVsBaseline: Math.round((cpuMs / baseline.cpuMs) * 100) / 100,
      },
    };
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/poller.json', `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await database.close();
    simulator.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
