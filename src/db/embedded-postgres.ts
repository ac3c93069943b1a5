// The embedded default: PostgreSQL compiled to WebAssembly (PGlite), data in a local
// folder, served on a loopback TCP port so the app connects with the same `pg` driver
// adapter and the same SQL it uses against a real server.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { StartupError } from '../startup-failure.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

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
  /** how long creating and probing the folder may take before it counts as unusable */
  prepareTimeoutMs?: number;
}

/**
 * Creates the folder and proves it writable. Some paths never answer (Node's recursive
 * mkdir spins forever under /proc), so the check has a deadline instead of hanging.
 */
async function prepareDataDir(dataDir: string, timeoutMs: number): Promise<void> {
  const probe = async () => {
    await mkdir(dataDir, { recursive: true });
    const file = join(dataDir, `.write-probe-${process.pid}`);
    await writeFile(file, '');
    await rm(file);
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the file system in ${timeoutMs / 1000} s`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([probe(), deadline]);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StartupError(
      `PGLITE_DATA_DIR: ${resolve(dataDir)} cannot be used as the embedded database folder (${reason}): set it to a writable folder.`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const inMemory = options.dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  if (!inMemory) {
    await prepareDataDir(options.dataDir, options.prepareTimeoutMs ?? 10_000);
    lock = await lockDataDir(options.dataDir);
  }
  try {
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
    await lock?.publish(url);
    return {
      url,
      async stop() {
        await server.stop();
        await db.close();
        await lock?.release();
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
