// Opens the application's database: a real PostgreSQL when DATABASE_URL is set,
// otherwise the embedded one; pending migrations are applied before first use.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { dataDirHolder } from './data-dir-lock.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { applyPendingMigrations, type MigrationPaths } from './migrations.js';
import { projectPaths } from './paths.js';
import { poolReader, type SqlReader } from './sql-reader.js';

export interface DatabaseOptions {
  /** a real PostgreSQL server; without it the embedded one starts in `embeddedDataDir` */
  url?: string;
  embeddedDataDir: string;
  poolSize: number;
  migrateOnStart: boolean;
  migrationPaths?: MigrationPaths;
  /** receives every SQL statement Prisma sends; used to count queries in tests */
  onQuery?: (sql: string) => void;
  log?: (message: string) => void;
  /** when another process holds the embedded folder, use the database it serves (the CLI) */
  shareRunningServer?: boolean;
  /** sees the connection pool (statement tracing) */
  onPool?: (pool: pg.Pool) => void;
  /** wraps the client before anyone uses it (client extensions) */
  extendClient?: (prisma: PrismaClient) => PrismaClient;
}

export interface Database {
  prisma: PrismaClient;
  /** plain SQL through the same pool, for hot reads */
  sql: SqlReader;
  url: string;
  embedded: boolean;
  appliedMigrations: string[];
  /** connections of the pool: open, idle, queries waiting for one, and the pool's size */
  poolStats(): { total: number; idle: number; waiting: number; max: number };
  /** true when a trivial query succeeds (readiness) */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const log = options.log ?? (() => {});
  let embedded: EmbeddedPostgres | undefined;
  let url = options.url;
  // The folder is another process's: work through the database it serves, or say who holds it.
  const holder = !url && options.shareRunningServer ? await dataDirHolder(options.embeddedDataDir) : null;
  if (holder?.url) {
    url = holder.url;
    log(`embedded database in ${options.embeddedDataDir} is held by process ${holder.pid}: working through it`);
  }
  if (!url) {
    const started = Date.now();
    embedded = await startEmbeddedPostgres({ dataDir: options.embeddedDataDir });
    url = embedded.url;
    log(`embedded PostgreSQL ready in ${options.embeddedDataDir} (${Date.now() - started} ms)`);
  }
  // The embedded PostgreSQL is one session behind a socket that queues messages, not
  // connections: two connections interleaving their extended-protocol messages can find
  // each other's unnamed prepared statement gone (26000). One connection per process
  // costs nothing there (the session runs one statement at a time anyway).
  const connections = embedded || holder?.url ? 1 : options.poolSize;
  try {
    let appliedMigrations: string[] = [];
    // The holder applied migrations when it started. Migrations get connections of their
    // own: their session lock must end with them, not linger in the application's pool
    // (another replica would wait on it).
    if (options.migrateOnStart && !holder?.url) {
      appliedMigrations = await applyPendingMigrations(
        options.migrationPaths ?? projectPaths,
        new PrismaPg({ connectionString: url, max: Math.min(2, connections) }),
      );
      if (appliedMigrations.length > 0) log(`applied migrations: ${appliedMigrations.join(', ')}`);
    }
    const pool = new pg.Pool({ connectionString: url, max: connections });
    options.onPool?.(pool);
    const adapter = new PrismaPg(pool);
    const client = clientOf(adapter, options.onQuery);
    const prisma = options.extendClient ? options.extendClient(client) : client;
    const stopEmbedded = embedded;
    return {
      prisma,
      sql: poolReader(pool),
      url,
      embedded: Boolean(embedded),
      appliedMigrations,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: connections }),
      async ping() {
        try {
          await prisma.$queryRaw`SELECT 1`;
          return true;
        } catch {
          return false;
        }
      },
      async close() {
        await prisma.$disconnect();
        await pool.end().catch(() => {});
        await stopEmbedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** A client on the adapter; with `onQuery`, told each SQL statement (query events cost a little, so only then). */
function clientOf(adapter: PrismaPg, onQuery?: (query: string) => void): PrismaClient {
  if (!onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query));
  return client;
}
