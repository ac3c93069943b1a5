// Applies backup policies on a schedule: starts the scheduled backups that are due, then
// expires what retention no longer keeps. The worker takes the backups themselves.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { PubSub } from '../pubsub.js';
import { applyRetention, governedInstances, startScheduledBackups } from '../services/backups/backup-policies.js';
import type { BackupStore } from '../services/storage/backup-store.js';
import { cronJob, type CronJob } from './cron-job.js';

export function backupPolicyJob(
  deps: { prisma: PrismaClient; pubsub: PubSub; store: BackupStore; logger: Logger; now?: () => Date },
  expression: string,
): CronJob {
  const now = deps.now ?? (() => new Date());
  return cronJob(
    'backup-policies',
    expression,
    async () => {
      const at = now();
      const governed = await governedInstances(deps.prisma);
      const started = await startScheduledBackups(deps, at, governed);
      const expired = await applyRetention(deps, at, governed);
      if (started.length + expired.length > 0)
        deps.logger.info('backup policies applied', { started: started.length, expired: expired.length });
    },
    deps.logger,
  );
}
