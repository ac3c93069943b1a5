// A backup file is only worth something if it is the file that was taken: its sha256
// is recorded when it is stored, checked again once it lies in storage, and checked
// before it is ever sent to a server to restore. A file that fails is never sent.
import { createHash } from 'node:crypto';
import type { BackupStore } from '../storage/backup-store.js';

/** The sha256 of a stored file, or null when the file is not there. */
export async function storedSha256(store: BackupStore, key: string): Promise<string | null> {
  if ((await store.size(key)) === null) return null;
  const hash = createHash('sha256');
  for await (const chunk of store.read(key) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** Why a stored backup cannot be trusted, or null when it is the file that was taken. */
export async function storedBackupProblem(
  store: BackupStore,
  backup: { storageKey: string | null; checksumSha256: string | null },
): Promise<string | null> {
  if (!backup.storageKey || !backup.checksumSha256) return 'the backup has no stored copy with a checksum';
  const actual = await storedSha256(store, backup.storageKey);
  if (actual === null) return 'the stored copy of the backup is missing';
  if (actual !== backup.checksumSha256)
    return `the stored copy of the backup is damaged (sha256 ${actual}, recorded ${backup.checksumSha256})`;
  return null;
}
