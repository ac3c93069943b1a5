// Relays the event outbox into webhook deliveries, then sends the due deliveries, on a
// schedule, until none is due or the run's budget is spent.
import type { Logger } from '../logger.js';
import { relayOutbox } from '../services/events/outbox.js';
import { deliverDue, type WebhookDeps } from '../services/webhooks/webhooks.js';
import { cronJob, type CronJob } from './cron-job.js';

export function webhookJob(deps: WebhookDeps & { logger: Logger }, expression: string, budgetMs = 30_000): CronJob {
  return cronJob(
    'webhooks',
    expression,
    async () => {
      const started = Date.now();
      while (Date.now() - started < budgetMs && (await relayOutbox(deps.prisma)) > 0);
      while (Date.now() - started < budgetMs) {
        const { sent } = await deliverDue(deps, { now: new Date() });
        if (sent === 0) break;
      }
    },
    deps.logger,
  );
}
