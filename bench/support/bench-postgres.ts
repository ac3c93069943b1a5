// A private PostgreSQL for a benchmark, started the way the test suite starts its own
// (.ci/test-postgres.sh), on a port and folder of its own so it never meets the tests'.
// BENCH_DATABASE_URL skips the start and uses that server instead.
import { execFileSync } from 'node:child_process';
import pg from 'pg';

export interface BenchPostgres {
  /** URL of a fresh, empty database on that server */
  url: string;
  stop(): void;
}

export async function startBenchPostgres(databaseName: string): Promise<BenchPostgres> {
  const env = {
    ...process.env,
    TEST_PG_PORT: process.env.BENCH_PG_PORT ?? '54339',
    TEST_PG_DIR: process.env.BENCH_PG_DIR ?? '/tmp/odoo-fleet-bench-pg',
  };
  const given = process.env.BENCH_DATABASE_URL;
  const adminUrl = given ?? execFileSync('bash', ['.ci/test-postgres.sh', 'start'], { env, encoding: 'utf8' }).trim();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${databaseName}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  return {
    url: url.toString(),
    stop() {
      if (!given) execFileSync('bash', ['.ci/test-postgres.sh', 'stop'], { env });
    },
  };
}

/** Counts the SQL statements sent through a pool (callback-style calls are pg's own inner calls). */
export function countStatements(pool: pg.Pool, counter: { statements: number }): void {
  const counting =
    (send: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      if (typeof args[args.length - 1] !== 'function') counter.statements += 1;
      return send(...args);
    };
  (pool as { query: unknown }).query = counting(pool.query.bind(pool) as (...args: unknown[]) => unknown);
  pool.on('connect', (client) => {
    (client as { query: unknown }).query = counting(client.query.bind(client) as (...args: unknown[]) => unknown);
  });
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(3));
  return { min: round(sorted[0]!), median: round(sorted[Math.floor(sorted.length / 2)]!), max: round(sorted.at(-1)!) };
}

export function ratio(value: number, baseline: number): number {
  return Number((value / baseline).toFixed(3));
}
