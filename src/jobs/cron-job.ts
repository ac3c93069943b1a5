// One node-cron task per periodic job. A run never overlaps the previous one (a slow
// run skips ticks rather than piling up), and a failing run is logged, not fatal.
import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

export interface CronJob {
  readonly name: string;
  start(): void;
  /** stops scheduling and waits for a run in progress */
  stop(): Promise<void>;
  /** runs once now (tests and operators) */
  runNow(): Promise<void>;
}

export function cronJob(name: string, expression: string, run: () => Promise<void>, logger: Logger): CronJob {
  let current: Promise<void> | null = null;
  const once = (): Promise<void> => {
    if (current) return current;
    current = run()
      .catch((error: unknown) =>
        logger.warn(`${name} failed`, { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => (current = null));
    return current;
  };
  let task: ScheduledTask | null = null;
  return {
    name,
    start() {
      task ??= createTask(expression, () => once(), { name, noOverlap: true, timezone: 'Etc/UTC' });
      void task.start();
    },
    async stop() {
      await task?.destroy();
      task = null;
      await current;
    },
    runNow: once,
  };
}
