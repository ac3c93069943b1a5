// The embedded default: PostgreSQL compiled to WebAssembly (PGlite), data in a local
// folder, served on a loopback TCP port so the app connects with the same `pg` driver
// adapter and the same SQL it uses against a real server.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** a `postgresql://` URL that reaches the embedded server on 127.0.0.1 */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** data folder, created on first start; `memory://` keeps everything in memory */
  dataDir: string;
  /** 0 picks a free port */
  port?: number;
  /** PGlite queues statements of all connections; this only bounds open sockets */
  maxConnections?: number;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const inMemory = options.dataDir.startsWith('memory://');
  if (!inMemory) await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir });
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 100,
  });
  await server.start();
  // PGlite ignores credentials; any user and database name reach the same cluster.
  const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  return {
    url,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
