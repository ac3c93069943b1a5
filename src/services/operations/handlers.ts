// Every kind of durable operation with its handler: what a worker runs. The composition
// root and the tests build workers from this one list.
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import { backupOperationHandler } from '../backups/backup-operations.js';
import { restoreOperationHandler } from '../backups/restore-operations.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { deploymentOperationHandler } from '../deployments/deployment-operations.js';
import type { GitPublisher } from '../deployments/git-publisher.js';
import { instanceOperationHandlers } from '../instances/instance-operations.js';
import type { BackupStore } from '../storage/backup-store.js';
import type { OperationHandlers } from './worker.js';

export interface OperationDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  store: BackupStore;
  keyRing: KeyRing;
  git: GitPublisher;
  /** author and committer of deployment commits */
  author: { name: string; email: string };
  /** how long to wait between looks at a provider that is still working */
  pollMs?: number;
}

export function operationHandlers(deps: OperationDeps): OperationHandlers {
  return {
    ...instanceOperationHandlers(deps),
    BACKUP: backupOperationHandler(deps),
    RESTORE: restoreOperationHandler(deps),
    DEPLOY: deploymentOperationHandler(deps),
  };
}
