// One subscription to `apiKeyRevoked` for the whole server, and a map from API key to
// the streams that must end when it is revoked: a revocation costs one lookup, and each
// open stream one entry in a Set, instead of every stream listening to every revocation.
import type { PubSub } from '../../pubsub.js';

export interface RevocationWatch {
  /** calls `onRevoked` once when the key is revoked; returns a function that stops watching */
  watch(apiKeyId: string, onRevoked: () => void): () => void;
  /** number of keys with at least one watcher (for tests and metrics) */
  watchedKeys(): number;
  close(): Promise<void>;
}

export function createRevocationWatch(pubsub: PubSub): RevocationWatch {
  const watchersByKey = new Map<string, Set<() => void>>();
  const revocations = pubsub.subscribe('apiKeyRevoked');
  const listening = (async () => {
    for await (const { apiKeyId } of revocations) {
      const watchers = watchersByKey.get(apiKeyId);
      watchersByKey.delete(apiKeyId);
      for (const onRevoked of watchers ?? []) onRevoked();
    }
  })();
  return {
    watch(apiKeyId, onRevoked) {
      let watchers = watchersByKey.get(apiKeyId);
      if (!watchers) watchersByKey.set(apiKeyId, (watchers = new Set()));
      watchers.add(onRevoked);
      return () => {
        const current = watchersByKey.get(apiKeyId);
        current?.delete(onRevoked);
        if (current?.size === 0) watchersByKey.delete(apiKeyId);
      };
    },
    watchedKeys: () => watchersByKey.size,
    async close() {
      await revocations.return?.();
      await listening;
    },
  };
}
