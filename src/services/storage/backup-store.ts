// Where backup files are kept: a local folder by default. Files are written through a
// temporary name and renamed when complete, so a half-written file is never taken for
// a backup; size and SHA-256 are computed on the way through.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredFile {
  key: string;
  sizeBytes: number;
  sha256: string;
}

export interface BackupStore {
  write(key: string, source: Readable): Promise<StoredFile>;
  read(key: string): Readable;
  size(key: string): Promise<number | null>;
  remove(key: string): Promise<void>;
  /** small JSON records kept beside the files (the self-hosted provider's backup list) */
  putRecord(key: string, record: unknown): Promise<void>;
  getRecord<T>(key: string): Promise<T | null>;
  listRecords<T>(prefix: string): Promise<T[]>;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+$/;

export function createLocalBackupStore(folder: string): BackupStore {
  const path = (key: string) => {
    if (!SAFE_KEY.test(key)) throw new Error(`Invalid storage key "${key}"`);
    return join(folder, key);
  };
  return {
    async write(key, source) {
      await mkdir(folder, { recursive: true });
      const hash = createHash('sha256');
      let sizeBytes = 0;
      source.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        sizeBytes += chunk.length;
      });
      const partial = `${path(key)}.partial`;
      try {
        await pipeline(source, createWriteStream(partial));
        await rename(partial, path(key));
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      return { key, sizeBytes, sha256: hash.digest('hex') };
    },
    read: (key) => createReadStream(path(key)),
    async size(key) {
      return stat(path(key)).then(
        (info) => info.size,
        () => null,
      );
    },
    async remove(key) {
      await rm(path(key), { force: true });
      await rm(`${path(key)}.json`, { force: true });
    },
    async putRecord(key, record) {
      await mkdir(folder, { recursive: true });
      const target = `${path(key)}.json`;
      await writeFile(`${target}.partial`, JSON.stringify(record));
      await rename(`${target}.partial`, target);
    },
    async getRecord<T>(key: string) {
      return readFile(`${path(key)}.json`, 'utf8').then(
        (text) => JSON.parse(text) as T,
        () => null,
      );
    },
    async listRecords<T>(prefix: string) {
      const names = await readdir(folder).catch(() => [] as string[]);
      const records = await Promise.all(
        names
          .filter((name) => name.startsWith(prefix) && name.endsWith('.json'))
          .sort()
          .map((name) => readFile(join(folder, name), 'utf8')),
      );
      return records.map((text) => JSON.parse(text) as T);
    },
  };
}
