// Periodic jobs never overlap: a run still going when the next is due is not started
// twice, and a failing run is logged and does not stop the schedule.
import { describe, expect, it } from 'vitest';
import { cronJob } from '../src/jobs/cron-job.js';
import { createLogger } from '../src/logger.js';

describe('cron jobs', () => {
  it('run once at a time, and survive a failing run', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn', (line) => lines.push(line));
    let runs = 0;
    let release: () => void = () => {};
    const job = cronJob(
      'slow',
      '* * * * * *',
      async () => {
        runs += 1;
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
        if (runs === 2) throw new Error('provider exploded');
      },
      logger,
    );
    const first = job.runNow();
    const overlapping = job.runNow();
    expect(overlapping).toBe(first); // the second call joins the run in progress
    release();
    await first;
    expect(runs).toBe(1);
    await job.runNow();
    expect(runs).toBe(2);
    expect(lines.join('')).toMatch(/slow failed.*provider exploded/);
    await job.runNow();
    expect(runs).toBe(3);
  });
});
