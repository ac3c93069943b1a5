// The life of an instance as the fleet records it. Creation and deletion are durable
// operations finished by the worker; suspend, resume and updates are single provider
// calls. Every status change is persisted first, then published.
import { z } from 'zod';
import type { OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { InstanceStatus } from '../../generated/prisma/enums.js';
import { requireCapability } from '../../providers/capabilities.js';
import type { ProviderCatalog } from '../../providers/descriptor.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { FleetEventPayload, PubSub } from '../../pubsub.js';
import { awaitingAfter, secretsUnboundBy } from '../credentials/credentials.js';
import { ConflictError, NotFoundError, rethrowProviderFailure } from '../errors.js';
import { publishTransitions, recordTransition, transition } from '../events/transitions.js';
import { parseInput } from '../validation.js';
import { once } from '../idempotency.js';
import { createInstanceOperation, deleteInstanceOperation } from './instance-operations.js';
import { repositoryUrlSchema, serverUrlSchema, type RepositoryPolicy } from './destination-urls.js';
import { ODOO_SH_SCOPE, providerScopeOf } from './provider-scope.js';

export interface InstanceDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  repositoryPolicy: RepositoryPolicy;
}

const name = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/,
    'must be 3-63 lowercase letters, digits or inner hyphens (it becomes the subdomain)',
  );
const branch = z.string().regex(/^[A-Za-z0-9._/-]{1,100}$/, 'must be a git branch name');
const createInput = (policy: RepositoryPolicy, providers: ProviderCatalog) =>
  z
    .object({
      name,
      version: z.string().regex(/^\d{2}\.\d$/, 'must be an Odoo version such as "17.0"'),
      subscriptionTier: z.enum(['STARTER', 'GROWTH', 'ENTERPRISE']).default('STARTER'),
      deploymentMethod: z.enum(['ODOO_SH', 'SELF_HOSTED']).default('ODOO_SH'),
      database: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, _ or -')
        .optional(),
      gitRepositoryUrl: repositoryUrlSchema(policy).optional(),
      gitBranch: branch.default('master'),
      serverUrl: serverUrlSchema.optional(),
    })
    .superRefine((input, context) => {
      const provider = providers.descriptorOf(input);
      if (provider.needsServerUrl && !input.serverUrl) {
        context.addIssue({
          code: 'custom',
          path: ['serverUrl'],
          message: `is required for a ${provider.label} instance`,
        });
      }
    });

export type CreateInstanceInput = z.input<ReturnType<typeof createInput>>;

async function owned(prisma: PrismaClient, companyId: string, instanceId: string): Promise<OdooInstance> {
  const instance = await prisma.odooInstance.findFirst({
    where: { id: instanceId, companyId, status: { not: 'DELETED' } },
  });
  if (!instance) throw new NotFoundError('OdooInstance', instanceId);
  return instance;
}

/** Records the instance and its creation operation; the worker does the rest. */
export async function requestInstance(
  deps: InstanceDeps,
  request: { companyId: string; input: CreateInstanceInput; idempotencyKey?: string | null },
) {
  const input = parseInput(createInput(deps.repositoryPolicy, deps.providers), request.input);
  let created: FleetEventPayload | null = null;
  const { id } = await once(
    deps.prisma,
    { companyId: request.companyId, key: request.idempotencyKey, operation: 'createInstance', input },
    async (tx) => {
      const taken = await tx.odooInstance.findFirst({
        where: { companyId: request.companyId, name: input.name },
        select: { id: true },
      });
      if (taken) throw new ConflictError(`An instance named "${input.name}" already exists.`);
      const providerScope = providerScopeOf(deps.providers.descriptorOf(input), input.serverUrl);
      const database = input.database ?? input.name.replace(/-/g, '_');
      if (
        providerScope !== ODOO_SH_SCOPE &&
        (await tx.odooInstance.findFirst({
          where: { providerScope, database, status: { not: 'DELETED' } },
          select: { id: true },
        }))
      ) {
        throw new ConflictError(`The database "${database}" on ${providerScope} is already an instance of the fleet.`);
      }
      const instance = await tx.odooInstance.create({
        data: {
          companyId: request.companyId,
          name: input.name,
          version: input.version,
          subscriptionTier: input.subscriptionTier,
          deploymentMethod: input.deploymentMethod,
          database,
          providerScope,
          gitRepositoryUrl: input.gitRepositoryUrl,
          gitBranch: input.gitBranch,
          serverUrl: input.serverUrl,
          status: 'CREATING',
        },
      });
      await createInstanceOperation.record(tx, {
        companyId: request.companyId,
        instanceId: instance.id,
        subjectId: instance.id,
        input: {},
      });
      created = await recordTransition(tx, 'INSTANCE', null, instance);
      return instance.id;
    },
  );
  publishTransitions(deps.pubsub, [created]);
  return deps.prisma.odooInstance.findUniqueOrThrow({ where: { id } });
}

export async function requestInstanceDeletion(
  deps: InstanceDeps,
  request: { companyId: string; instanceId: string; idempotencyKey?: string | null },
) {
  const current = await owned(deps.prisma, request.companyId, request.instanceId);
  if (current.status === 'DELETING') return current;
  let deleting: FleetEventPayload | null = null;
  const { id } = await once(
    deps.prisma,
    {
      companyId: request.companyId,
      key: request.idempotencyKey,
      operation: 'deleteInstance',
      input: { instanceId: request.instanceId },
    },
    async (tx) => {
      // A creation still in progress is abandoned: deletion takes over the instance.
      await tx.operation.updateMany({
        where: { instanceId: current.id, kind: 'CREATE_INSTANCE', status: { in: ['PENDING', 'RUNNING'] } },
        data: { status: 'CANCELLED', finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
      });
      const updated = await tx.odooInstance.update({
        where: { id: current.id },
        data: { status: 'DELETING', statusMessage: null },
      });
      await deleteInstanceOperation.record(tx, {
        companyId: current.companyId,
        instanceId: current.id,
        subjectId: current.id,
        input: {},
      });
      deleting = await recordTransition(tx, 'INSTANCE', current.status, updated);
      return current.id;
    },
  );
  publishTransitions(deps.pubsub, [deleting]);
  return deps.prisma.odooInstance.findUniqueOrThrow({ where: { id } });
}

async function toggle(
  deps: InstanceDeps,
  request: { companyId: string; instanceId: string },
  target: 'SUSPENDED' | 'RUNNING',
) {
  const instance = await owned(deps.prisma, request.companyId, request.instanceId);
  requireCapability(deps.providers.descriptorOf(instance), 'suspend');
  if (instance.status === target) return instance;
  const from: InstanceStatus = target === 'SUSPENDED' ? 'RUNNING' : 'SUSPENDED';
  if (instance.status !== from || !instance.instanceId) {
    throw new ConflictError(
      `Cannot ${target === 'SUSPENDED' ? 'suspend' : 'resume'} an instance that is ${instance.status}.`,
    );
  }
  try {
    const provider = deps.providers.providerFor(instance);
    await (target === 'SUSPENDED'
      ? provider.suspendInstance(instance.instanceId)
      : provider.resumeInstance(instance.instanceId));
  } catch (error) {
    rethrowProviderFailure(error);
  }
  return transition(deps, 'INSTANCE', instance.id, target, { statusMessage: null });
}

export const suspendInstance = (deps: InstanceDeps, request: { companyId: string; instanceId: string }) =>
  toggle(deps, request, 'SUSPENDED');
export const resumeInstance = (deps: InstanceDeps, request: { companyId: string; instanceId: string }) =>
  toggle(deps, request, 'RUNNING');

const updateInput = (policy: RepositoryPolicy) =>
  z.object({
    subscriptionTier: z.enum(['STARTER', 'GROWTH', 'ENTERPRISE']).optional(),
    gitRepositoryUrl: repositoryUrlSchema(policy).nullish(),
    gitBranch: branch.optional(),
    serverUrl: serverUrlSchema.optional(),
  });

/**
 * Tier and branch are the provider's too (Odoo.sh); repository and server URL are the fleet's.
 * Secrets bound to a repository or server that changes are cleared (they would no longer
 * open anyway) and the instance waits for them: `credentialsConfigured` is false until an
 * admin sets them again. setInstanceCredentials moves a destination and its secret at once.
 */
export async function updateInstance(
  deps: InstanceDeps,
  request: { companyId: string; instanceId: string; input: z.input<ReturnType<typeof updateInput>> },
) {
  const input = parseInput(updateInput(deps.repositoryPolicy), request.input);
  const instance = await owned(deps.prisma, request.companyId, request.instanceId);
  if (instance.status === 'DELETING') throw new ConflictError('The instance is being deleted.');
  const providerChange =
    deps.providers.descriptorOf(instance).forwardsSettings &&
    instance.instanceId &&
    (input.subscriptionTier || input.gitBranch);
  if (providerChange) {
    try {
      await deps.providers.providerFor(instance).updateInstance(instance.instanceId!, {
        ...(input.subscriptionTier
          ? { subscriptionTier: input.subscriptionTier.toLowerCase() as 'starter' | 'growth' | 'enterprise' }
          : {}),
        ...(input.gitBranch ? { gitBranch: input.gitBranch } : {}),
      });
    } catch (error) {
      rethrowProviderFailure(error);
    }
  }
  const destinations = {
    gitRepositoryUrl: input.gitRepositoryUrl !== undefined ? input.gitRepositoryUrl : instance.gitRepositoryUrl,
    serverUrl: input.serverUrl ?? instance.serverUrl,
  };
  const unbound = secretsUnboundBy(instance, destinations, deps.providers.odooShBaseUrl);
  return deps.prisma.odooInstance.update({
    where: { id: instance.id },
    data: {
      ...Object.fromEntries(unbound.map((column) => [column, null])),
      ...(unbound.length > 0 ? { credentialsAwaiting: awaitingAfter(instance.credentialsAwaiting, unbound, []) } : {}),
      ...(input.subscriptionTier ? { subscriptionTier: input.subscriptionTier } : {}),
      ...(input.gitRepositoryUrl !== undefined ? { gitRepositoryUrl: input.gitRepositoryUrl } : {}),
      ...(input.gitBranch ? { gitBranch: input.gitBranch } : {}),
      ...(input.serverUrl
        ? {
            serverUrl: input.serverUrl,
            providerScope: providerScopeOf(deps.providers.descriptorOf(instance), input.serverUrl),
          }
        : {}),
    },
  });
}
