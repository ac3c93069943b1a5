// One process owns an embedded database folder. PGlite has no inter-process locking: two
// processes opening the same folder corrupt each other's view of it (a key written by
// one is never seen by the other, later opens abort). The owner writes a lock file
// beside the folder naming itself and the loopback URL it serves the database at, so
// other processes can be told who holds it, or work through that URL.
import { rmSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export interface DataDirHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  /** where the holder serves the database (postgresql:// on 127.0.0.1), once it does */
  url: string | null;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
  ) {
    super(
      `The embedded database folder ${resolve(dataDir)} is in use by process ${holder.pid} on ${holder.hostname} ` +
        `(since ${holder.startedAt}). Stop that process, or set PGLITE_DATA_DIR to another folder.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  /** records the URL the database is served at, for other processes */
  publish(url: string): Promise<void>;
  release(): Promise<void>;
}

export function lockFileOf(dataDir: string): string {
  return `${resolve(dataDir)}.lock`;
}

/** The live process holding the folder, if any (a lock left by a dead process does not count). */
export async function dataDirHolder(dataDir: string): Promise<DataDirHolder | null> {
  let holder: DataDirHolder;
  try {
    holder = JSON.parse(await readFile(lockFileOf(dataDir), 'utf8')) as DataDirHolder;
  } catch {
    return null;
  }
  return isAlive(holder) ? holder : null;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = lockFileOf(dataDir);
  const me: DataDirHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), url: null };
  for (let attempt = 0; ; attempt += 1) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(JSON.stringify(me));
      await file.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await dataDirHolder(dataDir);
      if (holder) throw new DataDirInUseError(dataDir, holder);
      // Left by a process that died without cleaning up: take the folder over.
      if (attempt > 0) throw error;
      await rm(path, { force: true });
    }
  }
  let released = false;
  const releaseOnExit = () => {
    // 'exit' handlers run synchronously: nothing asynchronous would complete.
    if (!released) rmSync(path, { force: true });
  };
  process.once('exit', releaseOnExit);
  return {
    async publish(url) {
      const file = await open(path, 'w');
      await file.writeFile(JSON.stringify({ ...me, url }));
      await file.close();
    },
    async release() {
      released = true;
      process.off('exit', releaseOnExit);
      await rm(path, { force: true });
    },
  };
}

function isAlive(holder: DataDirHolder): boolean {
  // Another machine sharing the folder cannot be probed: assume it is alive.
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
