// A fresh database per test file, cloned from the migrated template, with every SQL
// statement Prisma sends recorded so tests can count them.
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { inject } from 'vitest';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { poolReader, type SqlReader } from '../../src/db/sql-reader.js';

/** The SQL reader of each test database's client, for the servers started on that client. */
const readers = new WeakMap<PrismaClient, SqlReader>();
export function sqlReaderOf(prisma: PrismaClient): SqlReader {
  const reader = readers.get(prisma);
  if (!reader) throw new Error('This Prisma client was not made by createTestDatabase: pass the server a SqlReader.');
  return reader;
}

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  /** plain SQL through a pool of its own, its statements recorded in `queries` too */
  sql: SqlReader;
  /** SQL statements sent since the last `queries.length = 0` */
  queries: string[];
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** An empty database with no migrations applied. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fleet_empty_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    url: withDatabase(inject('pgAdminUrl'), name),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `fleet_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${inject('templateDatabase')}"`));
  const url = withDatabase(inject('pgAdminUrl'), name);
  const queries: string[] = [];
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: 5 }),
    log: [{ emit: 'event', level: 'query' }],
  });
  prisma.$on('query', (event) => queries.push(event.query));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle connection ends when a test drops or restarts its database: not a failure.
  pool.on('error', () => {});
  const pooled = poolReader(pool);
  const sql: SqlReader = {
    rows: (text, values) => {
      queries.push(text);
      return pooled.rows(text, values);
    },
  };
  readers.set(prisma, sql);
  return {
    url,
    prisma,
    sql,
    queries,
    async drop() {
      await prisma.$disconnect();
      await pool.end();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
