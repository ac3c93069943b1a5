// A counting semaphore whose waits can give up at a deadline: the poller's bound on
// polls in flight, shared by its ticks, so a poll still running when a tick ends keeps
// its lane into the next one instead of the next tick starting more on top.
export interface Lanes {
  readonly inUse: number;
  /** takes a lane, waiting for one until `until` (performance.now()); false if none came */
  take(until: number): Promise<boolean>;
  free(): void;
}

export function createLanes(size: number): Lanes {
  let inUse = 0;
  const waiting: Array<(granted: boolean) => void> = [];
  return {
    get inUse() {
      return inUse;
    },
    take(until) {
      if (inUse < size) {
        inUse += 1;
        return Promise.resolve(true);
      }
      if (performance.now() >= until) return Promise.resolve(false);
      return new Promise((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const grant = (granted: boolean) => {
          clearTimeout(timer);
          resolve(granted);
        };
        waiting.push(grant);
        if (Number.isFinite(until)) {
          timer = setTimeout(() => {
            const index = waiting.indexOf(grant);
            if (index >= 0) waiting.splice(index, 1);
            resolve(false);
          }, until - performance.now());
        }
      });
    },
    free() {
      // Handed straight to the next waiter, so no newcomer slips in between.
      const next = waiting.shift();
      if (next) next(true);
      else inUse -= 1;
    },
  };
}
