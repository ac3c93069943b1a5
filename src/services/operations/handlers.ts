// Every kind of durable operation, declared once each (see define.ts): the list the
// worker, progress, step events and the fleet event kinds are derived from. A new kind is
// its definition module and one line here.
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import { backupOperation } from '../backups/backup-operations.js';
import { restoreOperation } from '../backups/restore-operations.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { deployOperation } from '../deployments/deployment-operations.js';
import type { GitPublisher } from '../deployments/git-publisher.js';
import { createInstanceOperation, deleteInstanceOperation } from '../instances/instance-operations.js';
import type { BackupStore } from '../storage/backup-store.js';
import type { OperationDeclaration, OperationDefinition } from './define.js';
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

export const OPERATION_DEFINITIONS: ReadonlyArray<OperationDefinition<OperationDeps>> = [
  createInstanceOperation,
  deleteInstanceOperation,
  backupOperation,
  restoreOperation,
  deployOperation,
];

/** What is declared about a kind among `definitions` (the fleet's own by default). */
export function declarationOf(
  kind: string,
  definitions: readonly OperationDeclaration[] = OPERATION_DEFINITIONS,
): OperationDeclaration | undefined {
  return definitions.find((definition) => definition.kind === kind);
}

/** What a worker runs: the handler of each definition, bound to its dependencies. */
export function handlersOf<Deps>(definitions: ReadonlyArray<OperationDefinition<Deps>>, deps: Deps): OperationHandlers {
  return Object.fromEntries(definitions.map((definition) => [definition.kind, definition.handler(deps)]));
}

export function operationHandlers(deps: OperationDeps): OperationHandlers {
  return handlersOf(OPERATION_DEFINITIONS, deps);
}
