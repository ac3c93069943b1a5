// The worker's steps for creating and deleting instances. Each step is safe to run
// twice: the provider call carries a key derived from the operation, and a result is
// recorded before the step moves on.
import type { Operation, Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { InstanceStatus } from '../../generated/prisma/enums.js';
import { ProviderError } from '../../providers/errors.js';
import type { ProviderInstanceStatus } from '../../providers/provider.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import type { OperationHandler, StepOutcome } from '../operations/worker.js';
import { setInstanceStatus } from './instances.js';

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

export function instanceOperationHandlers(deps: InstanceOperationDeps): { CREATE_INSTANCE: OperationHandler; DELETE_INSTANCE: OperationHandler } {
  const pollMs = deps.pollMs ?? 2000;

  const setStatus = (instanceId: string, status: InstanceStatus, data: Prisma.OdooInstanceUpdateInput = {}) => setInstanceStatus(deps, instanceId, status, data);

  const create: OperationHandler = {
    async step(operation: Operation): Promise<StepOutcome> {
      const instance = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: operation.subjectId! } });
      let provider;
      try {
        provider = deps.providers.providerFor(instance);
      } catch (error) {
        // Credentials can only be set once the instance exists: wait for them.
        if (error instanceof ProviderError && error.kind === 'unauthorized') {
          await deps.prisma.odooInstance.update({ where: { id: instance.id }, data: { statusMessage: `Waiting for credentials: ${error.message}` } });
          return { next: operation.step, delayMs: pollMs };
        }
        throw error;
      }
      if (operation.step === 'start') {
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
        await setStatus(instance.id, statusFromProvider[created.status], {
          instanceId: created.id,
          url: created.url,
          subscriptionId: created.subscriptionId,
          statusMessage: null,
        });
        return created.status === 'running' ? { done: true } : { next: 'wait_running', delayMs: pollMs };
      }
      const current = await provider.getInstance(instance.instanceId!);
      if (current.status === 'creating') return { next: 'wait_running', delayMs: pollMs };
      await setStatus(instance.id, statusFromProvider[current.status], { url: current.url, statusMessage: null });
      return current.status === 'error' ? { failed: 'The provider reports the instance in error' } : { done: true };
    },
    async onFailure(operation, reason) {
      await setStatus(operation.subjectId!, 'ERROR', { statusMessage: `Creation failed: ${reason}` });
    },
    async onRetry(operation, reason) {
      await deps.prisma.odooInstance.updateMany({ where: { id: operation.subjectId!, status: 'CREATING' }, data: { statusMessage: `Waiting for the provider, will retry: ${reason}`.slice(0, 500) } });
    },
  };

  const remove: OperationHandler = {
    async step(operation: Operation): Promise<StepOutcome> {
      const instance = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: operation.subjectId! } });
      const gone = async () => {
        await setStatus(instance.id, 'DELETED', { deletedAt: new Date() });
        return { done: true } as const;
      };
      if (!instance.instanceId) return gone();
      const provider = deps.providers.providerFor(instance);
      try {
        if (operation.step === 'start') {
          await provider.deleteInstance(instance.instanceId);
          return { next: 'wait_gone', delayMs: pollMs };
        }
        await provider.getInstance(instance.instanceId);
        return { next: 'wait_gone', delayMs: pollMs };
      } catch (error) {
        if (error instanceof ProviderError && error.kind === 'not_found') return gone();
        throw error;
      }
    },
    async onFailure(operation, reason) {
      await setStatus(operation.subjectId!, 'ERROR', { statusMessage: `Deletion failed: ${reason}` });
    },
  };

  return { CREATE_INSTANCE: create, DELETE_INSTANCE: remove };
}
