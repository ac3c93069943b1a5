// What tracing costs on the dashboard's query (a page of instances with health, latest
// backup and deployment): the same server, database and query with tracing off (the
// default: no spans are made) and on (every operation, SQL statement and provider call
// a span, collected in memory and dropped after each run). Rounds alternate, so drift in the
// machine's load hits both; results are ratios to tracing off, measured in the same run.
// Run: npm run bench:tracing (writes bench/results/tracing.json).
// Database: BENCH_DATABASE_URL (a real PostgreSQL; an empty database), else the embedded one.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { hashApiToken } from '../src/services/auth/authenticate.js';
import { createUrlSigner } from '../src/services/backups/download-urls.js';
import { parseKeyRing } from '../src/services/crypto/key-ring.js';
import { createLocalBackupStore } from '../src/services/storage/backup-store.js';
import { stampingRequestIds, traceStatements } from '../src/telemetry/database-telemetry.js';
import { createTelemetry, type Telemetry } from '../src/telemetry/telemetry.js';
import { createTracing } from '../src/telemetry/tracing.js';

const REQUESTS = Number(process.argv[2] ?? 1000);
const ROUNDS = 5;
const CONCURRENCY = 16;
const INSTANCES = 50;
const keyRing = parseKeyRing(`bench:${Buffer.alloc(32, 9).toString('base64')}`);
const QUERY = `query Dashboard { instances(first: 20) { totalCount edges { node {
  id name status health { status checkedAt } latestBackup { status completedAt } latestDeployment { status finishedAt } } } } }`;

let spansExported = 0;
const exporter = new InMemorySpanExporter();
/** counts the spans of a run and lets them go, so memory stays flat */
function dropSpans(): void {
  spansExported += exporter.getFinishedSpans().length;
  exporter.reset();
}

async function serve(telemetry: Telemetry, url: string | undefined, dataDir: string) {
  const database = await openDatabase({
    url,
    embeddedDataDir: dataDir,
    poolSize: 10,
    migrateOnStart: true,
    onPool: (pool) => traceStatements(pool, telemetry),
    extendClient: (client) => stampingRequestIds(client, telemetry),
  });
  const app = buildApp({
    prisma: database.prisma,
    sql: database.sql,
    pingDatabase: () => database.ping(),
    logger: createLogger('silent'),
    keyRing,
    providers: createProviderRegistry({ keyRing, odooShBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 }),
    backupStore: createLocalBackupStore(join(dataDir, 'backups')),
    signer: createUrlSigner(keyRing.deriveKey('backup-download-urls')),
    graphiql: false,
    introspection: false,
    production: true,
    telemetry,
  });
  const address = await app.listen(0, '127.0.0.1');
  return { database, app, url: `http://127.0.0.1:${address.port}/graphql` };
}

async function run(url: string, token: string, requests: number): Promise<{ ms: number; perSecond: number }> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < requests) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: QUERY }),
        });
        const body = (await response.json()) as { data?: { instances?: { totalCount: number } } };
        if (body.data?.instances?.totalCount !== INSTANCES)
          throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 200)}`);
      }
    }),
  );
  const ms = performance.now() - started;
  dropSpans();
  return { ms: Math.round(ms), perSecond: Math.round((requests / ms) * 1000) };
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'fleet-bench-tracing-'));
  const off = await serve(createTelemetry(), process.env.BENCH_DATABASE_URL, dataDir);
  const on = await serve(
    createTelemetry({ tracing: createTracing({ serviceName: 'bench', exporter }) }),
    off.database.url,
    dataDir,
  );
  try {
    const prisma = off.database.prisma;
    await prisma.company.deleteMany({ where: { slug: 'bench-tracing' } });
    const company = await prisma.company.create({ data: { name: 'Bench', slug: 'bench-tracing' } });
    const token = `ofk_bench_tracing_${Date.now()}`;
    await prisma.apiKey.create({
      data: {
        companyId: company.id,
        name: 'bench',
        role: 'VIEWER',
        tokenHash: hashApiToken(token),
        tokenPrefix: token.slice(0, 8),
      },
    });
    await prisma.odooInstance.createMany({
      data: Array.from({ length: INSTANCES }, (_, index) => ({
        companyId: company.id,
        name: `bench-${index}`,
        database: `bench_${index}`,
        version: '17.0',
        status: 'RUNNING' as const,
      })),
    });

    await run(off.url, token, 200); // warm-up, discarded
    await run(on.url, token, 200);
    const rounds: Array<{
      round: number;
      off: { ms: number; perSecond: number };
      on: { ms: number; perSecond: number };
    }> = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const first = round % 2 === 0 ? 'on' : 'off';
      const a = await run(first === 'off' ? off.url : on.url, token, REQUESTS);
      const b = await run(first === 'off' ? on.url : off.url, token, REQUESTS);
      rounds.push({ round, off: first === 'off' ? a : b, on: first === 'off' ? b : a });
      console.log(`round ${round}: off ${rounds.at(-1)!.off.perSecond}/s, on ${rounds.at(-1)!.on.perSecond}/s`);
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const offRate = median(rounds.map((round) => round.off.perSecond));
    const onRate = median(rounds.map((round) => round.on.perSecond));
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      database: off.database.embedded ? 'embedded' : 'postgresql',
      query: 'Dashboard: 20 of 50 instances with health, latest backup and deployment',
      requestsPerRound: REQUESTS,
      concurrency: CONCURRENCY,
      rounds,
      medianRequestsPerSecond: { tracingOff: offRate, tracingOn: onRate },
      /** throughput with tracing on, relative to tracing off (1.0 = the same) */
      tracingOnRatio: Number((onRate / offRate).toFixed(3)),
      spansPerRequest: Number((spansExported / (REQUESTS * ROUNDS + 400)).toFixed(1)),
    };
    console.log(JSON.stringify(result.medianRequestsPerSecond), 'ratio', result.tracingOnRatio);
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/tracing.json', `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await on.app.stop(1000);
    await off.app.stop(1000);
    await on.database.close();
    await off.database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
