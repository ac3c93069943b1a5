// `npm run bench:api`: the README's dashboard query (a page of 100 instances with health,
// latest backup and latest deployment, and the total count) against a hand-written
// node:http + pg handler doing the same work, on a private PostgreSQL, both servers in
// processes of their own with NODE_ENV=production, loaded by autocannon from this process.
// Runs alternate between the two servers (interleaved), three repeats, after a discarded
// warm-up; results are ratios to the baseline measured in the same run.
// Writes bench/results/api.json. Sizes and durations come from the environment:
//   BENCH_SIZES=100,1000,10000  BENCH_DURATION=10 (s per run)  BENCH_CONNECTIONS=10
//   BENCH_REPEATS=3  BENCH_LOG_BYTES=4096 (build log of each newest deployment)
import { isDeepStrictEqual } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openDatabase } from '../src/db/database.js';
import { hashApiToken } from '../src/services/auth/authenticate.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { ratio, spread, startBenchPostgres } from './support/bench-postgres.js';
import { startBenchServer, type BenchServer } from './support/bench-server.js';

const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const LOG_BYTES = Number(process.env.BENCH_LOG_BYTES ?? 4096);

export const DASHBOARD_QUERY = `query Fleet {
  instances(first: 100, filter: { status: [RUNNING, SUSPENDED] }, orderBy: { field: NAME }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id name url version status subscriptionTier
      health { status checkedAt }
      latestBackup { status completedAt sizeBytes }
      latestDeployment { status commitHash finishedAt }
    } }
  }
}`;

type ApiServer = BenchServer<'project' | 'handWritten'>;

/** A company of `size` instances, each with 5 backups, 5 deployments and 5 health samples. */
async function seedCompany(prisma: PrismaClient, size: number): Promise<string> {
  const company = await prisma.company.create({ data: { name: `Bench ${size}`, slug: `bench-${size}` } });
  const token = `ofk_bench_${size}_${'x'.repeat(32)}`;
  await prisma.apiKey.create({
    data: {
      companyId: company.id,
      name: 'bench',
      role: 'VIEWER',
      tokenHash: hashApiToken(token),
      tokenPrefix: token.slice(0, 8),
    },
  });
  const secret = 'v2:bench:'.padEnd(200, 's');
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n));
  for (let start = 0; start < size; start += 1000) {
    const count = Math.min(1000, size - start);
    const instances = await prisma.odooInstance.createManyAndReturn({
      select: { id: true },
      data: Array.from({ length: count }, (_, offset) => {
        const index = start + offset;
        return {
          companyId: company.id,
          name: `bench-${String(index).padStart(6, '0')}`,
          database: `bench_${index}`,
          url: `https://bench-${index}.example.com`,
          version: '17.0',
          instanceId: `odoo-${size}-${index}`,
          status:
            index % 20 === 0 ? ('CREATING' as const) : index % 20 === 1 ? ('SUSPENDED' as const) : ('RUNNING' as const),
          subscriptionTier: 'GROWTH' as const,
          providerTokenEnc: secret,
          odooPasswordEnc: secret,
          masterPasswordEnc: secret,
          gitCredentialEnc: secret,
        };
      }),
    });
    const companyId = company.id;
    const five = <Row>(make: (instanceId: string, n: number) => Row): Row[] =>
      instances.flatMap(({ id }) => [0, 1, 2, 3, 4].map((n) => make(id, n)));
    await prisma.backup.createMany({
      data: five((instanceId, n) => ({
        companyId,
        instanceId,
        status: 'COMPLETED' as const,
        sizeBytes: BigInt(1_000_000 + n),
        createdAt: day(n),
        completedAt: day(n),
      })),
    });
    await prisma.deployment.createMany({
      data: five((instanceId, n) => ({
        companyId,
        instanceId,
        branch: 'main',
        status: 'SUCCESS' as const,
        commitHash: `c0ffee${n}`,
        createdAt: day(n),
        finishedAt: day(n),
        log: n === 4 ? 'L'.repeat(LOG_BYTES) : 'done',
      })),
    });
    await prisma.healthSample.createMany({
      data: five((instanceId, n) => ({
        instanceId,
        status: 'HEALTHY' as const,
        checkedAt: day(n),
        responseTimeMs: 40,
        checks: { http: 'ok' },
      })),
    });
  }
  return token;
}

async function answer(server: ApiServer, token: string): Promise<unknown> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: DASHBOARD_QUERY }),
  });
  return response.json();
}

interface RunFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  statementsPerRequest: number;
}

async function load(server: ApiServer, token: string, seconds: number): Promise<RunFigures> {
  const before = await server.stats();
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: DASHBOARD_QUERY }),
  });
  const after = await server.stats();
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${server.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  const requests = result.requests.total;
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMsPerRequest: Number(((after.cpuMicros - before.cpuMicros) / 1000 / requests).toFixed(3)),
    statementsPerRequest: Number(((after.statements - before.statements) / requests).toFixed(2)),
  };
}

function summary(runs: RunFigures[]) {
  return {
    requestsPerSecond: spread(runs.map((run) => run.requestsPerSecond)),
    p50Ms: spread(runs.map((run) => run.p50Ms)),
    p99Ms: spread(runs.map((run) => run.p99Ms)),
    cpuMsPerRequest: spread(runs.map((run) => run.cpuMsPerRequest)),
    statementsPerRequest: spread(runs.map((run) => run.statementsPerRequest)),
  };
}

async function main() {
  const postgres = await startBenchPostgres('fleet_bench_api');
  const database = await openDatabase({
    url: postgres.url,
    embeddedDataDir: join(tmpdir(), 'unused'),
    poolSize: 4,
    migrateOnStart: true,
  });
  const servers: ApiServer[] = [];
  try {
    const tokens = new Map<number, string>();
    for (const size of SIZES) {
      const started = Date.now();
      tokens.set(size, await seedCompany(database.prisma, size));
      console.log(`seeded ${size} instances in ${Date.now() - started} ms`);
    }
    await database.prisma.$executeRawUnsafe('VACUUM ANALYZE');
    servers.push(await startBenchServer('project', 'bench/api/project-server.ts', [postgres.url]));
    servers.push(await startBenchServer('handWritten', 'bench/api/hand-written-server.ts', [postgres.url]));
    const [project, handWritten] = servers as [ApiServer, ApiServer];
    const loadAverageBefore = loadavg();
    const results = [];
    for (const size of SIZES) {
      const token = tokens.get(size)!;
      // Both answer the same JSON: the baseline does the same work, no less.
      const [projectAnswer, handWrittenAnswer] = [await answer(project, token), await answer(handWritten, token)];
      if (!isDeepStrictEqual(projectAnswer, handWrittenAnswer)) {
        throw new Error(
          `answers differ at ${size}:\n${JSON.stringify(projectAnswer).slice(0, 600)}\n${JSON.stringify(handWrittenAnswer).slice(0, 600)}`,
        );
      }
      await load(project, token, 2); // warm-up, discarded
      await load(handWritten, token, 2);
      const runs: { project: RunFigures[]; handWritten: RunFigures[] } = { project: [], handWritten: [] };
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        const order = repeat % 2 === 0 ? [project, handWritten] : [handWritten, project];
        for (const server of order) runs[server.name].push(await load(server, token, DURATION_S));
        console.log(
          `${size} instances, repeat ${repeat + 1}: project ${runs.project.at(-1)!.requestsPerSecond} req/s, hand-written ${runs.handWritten.at(-1)!.requestsPerSecond} req/s`,
        );
      }
      const projectSummary = summary(runs.project);
      const baseline = summary(runs.handWritten);
      results.push({
        instances: size,
        project: projectSummary,
        handWritten: baseline,
        /** medians of the project relative to the hand-written handler */
        ratios: {
          requestsPerSecond: ratio(projectSummary.requestsPerSecond.median, baseline.requestsPerSecond.median),
          cpuPerRequest: ratio(projectSummary.cpuMsPerRequest.median, baseline.cpuMsPerRequest.median),
          p99: ratio(projectSummary.p99Ms.median, baseline.p99Ms.median),
        },
        runs,
      });
      console.log(
        `${size} instances: req/s ratio ${results.at(-1)!.ratios.requestsPerSecond}, CPU/request ratio ${results.at(-1)!.ratios.cpuPerRequest}`,
      );
    }
    const output = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      database: 'postgresql (private cluster, .ci/test-postgres.sh)',
      query: 'README dashboard query, first: 100, RUNNING or SUSPENDED by name, with totalCount',
      seed: 'per instance: 5 backups, 5 deployments (newest with a build log of BENCH_LOG_BYTES), 5 health samples, 4 encrypted secrets',
      logBytes: LOG_BYTES,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      repeats: REPEATS,
      loadAverage: { before: loadAverageBefore, after: loadavg() },
      results,
    };
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/api.json', `${JSON.stringify(output, null, 2)}\n`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await database.close();
    postgres.stop();
  }
}

await main();
