// The operations that create and delete instances. Each step is safe to run twice: the
// provider call carries a key derived from the operation, and a result is recorded
// before the step moves on.
import { z } from 'zod';
import type { OdooInstance, Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { InstanceStatus } from '../../generated/prisma/enums.js';
import { ProviderError } from '../../providers/errors.js';
import type { ProviderInstanceStatus } from '../../providers/provider.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import { transition, type SubjectUpdate } from '../events/transitions.js';
import { defineOperation } from '../operations/define.js';
import type { OperationHandler } from '../operations/worker.js';

export interface InstanceOperationDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  /** how long to wait between looks at a provider that is still working */
  pollMs?: number;
}

const statusFromProvider: Record<ProviderInstanceStatus, InstanceStatus> = {
  creating: 'CREATING',
  running: 'RUNNING',
  suspended: 'SUSPENDED',
  maintenance: 'MAINTENANCE',
  deleting: 'DELETING',
  error: 'ERROR',
};

const setStatus = (
  deps: InstanceOperationDeps,
  instanceId: string,
  status: InstanceStatus,
  data: SubjectUpdate<'INSTANCE'> = {},
) => transition(deps, 'INSTANCE', instanceId, status, data);

export const createInstanceOperation = defineOperation({
  kind: 'CREATE_INSTANCE',
  input: z.object({}),
  subject: 'INSTANCE',
  excludes: [],
  steps: {
    start: 'Asking the provider for the instance',
    wait_running: 'Waiting for the instance to run',
  },
  run: (deps: InstanceOperationDeps) => {
    const pollMs = deps.pollMs ?? 2000;
    const instanceOf = (operation: Operation) =>
      deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: operation.subjectId! } });

    /** The instance's provider, or null while its credentials are missing (they can only be set once the instance exists). */
    async function providerOf(instance: OdooInstance) {
      try {
        return deps.providers.providerFor(instance);
      } catch (error) {
        if (error instanceof ProviderError && error.kind === 'unauthorized') {
          await deps.prisma.odooInstance.update({
            where: { id: instance.id },
            data: { statusMessage: `Waiting for credentials: ${error.message}` },
          });
          return null;
        }
        throw error;
      }
    }

    return {
      steps: {
        async start({ operation }) {
          const instance = await instanceOf(operation);
          const provider = await providerOf(instance);
          if (!provider) return { next: 'start', delayMs: pollMs };
          const request = {
            name: instance.name,
            database: instance.database,
            version: instance.version,
            subscriptionTier: instance.subscriptionTier.toLowerCase() as 'starter',
            gitRepositoryUrl: instance.gitRepositoryUrl,
            gitBranch: instance.gitBranch,
          };
          // The key makes a repeated step find its own work (a self-hosted database carries it as a mark).
          const created = await provider.createInstance(request, { idempotencyKey: `${operation.id}:create` });
          await setStatus(deps, instance.id, statusFromProvider[created.status], {
            instanceId: created.id,
            url: created.url,
            subscriptionId: created.subscriptionId,
            statusMessage: null,
          });
          return created.status === 'running' ? { done: true } : { next: 'wait_running', delayMs: pollMs };
        },
        async wait_running({ operation }) {
          const instance = await instanceOf(operation);
          const provider = await providerOf(instance);
          if (!provider) return { next: 'wait_running', delayMs: pollMs };
          const current = await provider.getInstance(instance.instanceId!);
          if (current.status === 'creating') return { next: 'wait_running', delayMs: pollMs };
          await setStatus(deps, instance.id, statusFromProvider[current.status], {
            url: current.url,
            statusMessage: null,
          });
          return current.status === 'error' ? { failed: 'The provider reports the instance in error' } : { done: true };
        },
      },
      async onFailure(operation, reason) {
        await setStatus(deps, operation.subjectId!, 'ERROR', { statusMessage: `Creation failed: ${reason}` });
      },
      async onRetry(operation, reason) {
        await deps.prisma.odooInstance.updateMany({
          where: { id: operation.subjectId!, status: 'CREATING' },
          data: { statusMessage: `Waiting for the provider, will retry: ${reason}`.slice(0, 500) },
        });
      },
    };
  },
});

export const deleteInstanceOperation = defineOperation({
  kind: 'DELETE_INSTANCE',
  input: z.object({}),
  subject: 'INSTANCE',
  excludes: [],
  steps: {
    start: 'Asking the provider to delete the instance',
    wait_gone: 'Waiting for the instance to be gone',
  },
  run: (deps: InstanceOperationDeps) => {
    const pollMs = deps.pollMs ?? 2000;

    /** Runs a look at the provider; an instance it no longer knows is gone. */
    async function untilGone(
      operation: Operation,
      look: (provider: ReturnType<ProviderRegistry['providerFor']>, instanceId: string) => Promise<unknown>,
    ) {
      const instance = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: operation.subjectId! } });
      const gone = async () => {
        await setStatus(deps, instance.id, 'DELETED', { deletedAt: new Date() });
        return { done: true } as const;
      };
      if (!instance.instanceId) return gone();
      try {
        await look(deps.providers.providerFor(instance), instance.instanceId);
        return { next: 'wait_gone', delayMs: pollMs } as const;
      } catch (error) {
        if (error instanceof ProviderError && error.kind === 'not_found') return gone();
        throw error;
      }
    }

    return {
      steps: {
        start: ({ operation }) => untilGone(operation, (provider, id) => provider.deleteInstance(id)),
        wait_gone: ({ operation }) => untilGone(operation, (provider, id) => provider.getInstance(id)),
      },
      async onFailure(operation, reason) {
        await setStatus(deps, operation.subjectId!, 'ERROR', { statusMessage: `Deletion failed: ${reason}` });
      },
    };
  },
});

/** The handlers of both, for a worker (tests build workers from them). */
export function instanceOperationHandlers(deps: InstanceOperationDeps): {
  CREATE_INSTANCE: OperationHandler;
  DELETE_INSTANCE: OperationHandler;
} {
  return {
    CREATE_INSTANCE: createInstanceOperation.handler(deps),
    DELETE_INSTANCE: deleteInstanceOperation.handler(deps),
  };
}
