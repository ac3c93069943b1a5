// Deployments as they are requested: checked, recorded with their operation in one
// transaction, and serialized per instance behind other work (see the deploy operation's
// `excludes`). The worker carries them out (deployment-operations.ts).
import type { Deployment, OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { DeploymentStrategy } from '../../generated/prisma/enums.js';
import { requireCapability } from '../../providers/capabilities.js';
import type { ProviderCatalog } from '../../providers/descriptor.js';
import type { FleetEventPayload } from '../../pubsub.js';
import { busyWith } from '../backups/backups.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publishTransitions, recordTransition } from '../events/transitions.js';
import { once } from '../idempotency.js';
import { deployOperation } from './deployment-operations.js';
import { deploymentStrategyFor } from './deployment-strategy.js';
import { gitTargetOf, type DeploymentDeps } from './deployments.js';
import type { GitPublisher } from './git-publisher.js';

export interface DeployRequest {
  companyId: string;
  instanceId: string;
  templateId: string;
  strategy?: DeploymentStrategy | null;
  /** wait behind a running backup, restore or deployment instead of answering a conflict */
  queue?: boolean | null;
  idempotencyKey?: string | null;
}

async function liveInstance(prisma: PrismaClient, companyId: string, instanceId: string) {
  const instance = await prisma.odooInstance.findFirst({
    where: { id: instanceId, companyId, status: { not: 'DELETED' } },
  });
  if (!instance) throw new NotFoundError('OdooInstance', instanceId);
  if (instance.status !== 'RUNNING' || !instance.instanceId)
    throw new ConflictError(`Cannot deploy to an instance that is ${instance.status}.`);
  return instance;
}

/** Records a deployment and its operation, in one transaction, after the checks. */
async function enqueue(
  deps: DeploymentDeps,
  request: {
    companyId: string;
    instance: OdooInstance;
    queue?: boolean | null;
    idempotencyKey?: string | null;
    operation: string;
    input: unknown;
  },
  data: {
    templateId: string | null;
    strategy: DeploymentStrategy;
    commitHash?: string | null;
    redeployOfId?: string | null;
  },
): Promise<Deployment> {
  const { instance } = request;
  let created: FleetEventPayload | null = null;
  const { id, replayed } = await once(
    deps.prisma,
    { companyId: request.companyId, key: request.idempotencyKey, operation: request.operation, input: request.input },
    async (tx) => {
      const busy = await busyWith(tx, instance.id, deployOperation);
      if (busy && !request.queue)
        throw new ConflictError(`A ${busy} of this instance is in progress; retry later or ask to queue.`);
      const deployment = await tx.deployment.create({
        data: { companyId: request.companyId, instanceId: instance.id, branch: instance.gitBranch, ...data },
      });
      await tx.deploymentStatusChange.create({
        data: { deploymentId: deployment.id, status: 'PENDING', message: busy ? `Queued behind a ${busy}` : null },
      });
      await deployOperation.record(tx, {
        companyId: request.companyId,
        instanceId: instance.id,
        subjectId: deployment.id,
        input: {},
      });
      created = await recordTransition(tx, 'DEPLOYMENT', null, deployment);
      return deployment.id;
    },
  );
  const deployment = await deps.prisma.deployment.findUniqueOrThrow({ where: { id } });
  if (!replayed)
    deps.pubsub.publish('deploymentChanged', deployment.id, { deploymentId: deployment.id, status: deployment.status });
  publishTransitions(deps.pubsub, [created]);
  return deployment;
}

export async function requestDeployment(
  deps: DeploymentDeps & { keyRing: KeyRing; git: GitPublisher; providers: ProviderCatalog },
  request: DeployRequest,
): Promise<Deployment> {
  const instance = await liveInstance(deps.prisma, request.companyId, request.instanceId);
  const template = await deps.prisma.template.findFirst({
    where: { id: request.templateId, companyId: request.companyId },
    select: { id: true, files: { select: { path: true, content: true } } },
  });
  if (!template) throw new NotFoundError('Template', request.templateId);
  const strategy = deploymentStrategyFor(deps.providers.descriptorOf(instance), instance, template, request.strategy);
  // A repository that cannot be read is refused now, with nothing recorded.
  if (strategy === 'GIT') await deps.git.probe(gitTargetOf(deps.keyRing, instance));
  return enqueue(
    deps,
    {
      ...request,
      instance,
      operation: 'deployTemplate',
      input: { instanceId: instance.id, templateId: template.id, strategy },
    },
    { templateId: template.id, strategy },
  );
}

/** Deploys a previous deployment's commit again (a rollback, when it is the last successful one). */
export async function requestRedeploy(
  deps: DeploymentDeps & { providers: ProviderCatalog },
  request: { companyId: string; deploymentId: string; queue?: boolean | null; idempotencyKey?: string | null },
): Promise<Deployment> {
  const previous = await deps.prisma.deployment.findFirst({
    where: { id: request.deploymentId, companyId: request.companyId },
  });
  if (!previous) throw new NotFoundError('Deployment', request.deploymentId);
  if (previous.strategy !== 'GIT' || !previous.commitHash)
    throw new ConflictError('Only a deployment that pushed a commit can be re-deployed.');
  const instance = await liveInstance(deps.prisma, request.companyId, previous.instanceId);
  requireCapability(deps.providers.descriptorOf(instance), 'deployByGit');
  return enqueue(
    deps,
    { ...request, instance, operation: 'redeploy', input: { deploymentId: previous.id } },
    { templateId: previous.templateId, strategy: 'GIT', commitHash: previous.commitHash, redeployOfId: previous.id },
  );
}
