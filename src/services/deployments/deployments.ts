// Deployments as the fleet records them: requested here (checked, serialized per
// instance), carried out by the worker (deployment-operations.ts). Every status entered is
// a row of DeploymentStatusChange and an event; log lines are appended to the record.
import type { Deployment, OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { DeploymentStatus, DeploymentStrategy } from '../../generated/prisma/enums.js';
import { requireCapability } from '../../providers/capabilities.js';
import type { ProviderCatalog } from '../../providers/descriptor.js';
import { publishFleetEvent, type PubSub } from '../../pubsub.js';
import { busyWith } from '../backups/backups.js';
import { openInstanceSecret } from '../credentials/credentials.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publishRecorded, recordFleetEvent } from '../events/outbox.js';
import { once } from '../idempotency.js';
import { deploymentStrategyFor } from './deployment-strategy.js';
import type { GitPublisher } from './git-publisher.js';

export const terminalDeploymentStatuses: readonly DeploymentStatus[] = ['SUCCESS', 'FAILED', 'CANCELLED'];
export const isTerminalDeployment = (status: string) => (terminalDeploymentStatuses as readonly string[]).includes(status);

export interface DeploymentDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
}

function publishDeployment(pubsub: PubSub, deployment: Pick<Deployment, 'id' | 'companyId' | 'status' | 'instanceId'>, statusChanged: boolean): void {
  pubsub.publish('deploymentChanged', deployment.id, { deploymentId: deployment.id, status: deployment.status });
  if (!statusChanged) return;
  publishFleetEvent(pubsub, 'DEPLOYMENT', deployment);
}

const logLine = (at: Date, text: string) => `${at.toISOString()} ${text}\n`;

/**
 * Records what happened to a deployment: a new status (with its history row) and/or log
 * lines, then publishes. A status equal to the current one only appends the lines.
 */
export async function recordDeployment(
  deps: DeploymentDeps,
  deploymentId: string,
  change: { status?: DeploymentStatus; lines?: string[]; data?: Partial<Pick<Deployment, 'commitHash' | 'providerDeploymentId' | 'error' | 'backupId'>> },
): Promise<Deployment> {
  const at = new Date();
  const { updated, statusChanged, event } = await deps.prisma.$transaction(async (tx) => {
    const current = await tx.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
    const statusChanged = change.status !== undefined && change.status !== current.status;
    const log = current.log + (change.lines ?? []).map((line) => logLine(at, line)).join('');
    const updated = await tx.deployment.update({
      where: { id: deploymentId },
      data: {
        ...change.data,
        log,
        ...(statusChanged ? { status: change.status } : {}),
        ...(statusChanged && !current.startedAt && change.status !== 'PENDING' ? { startedAt: at } : {}),
        ...(statusChanged && isTerminalDeployment(change.status!) ? { finishedAt: at } : {}),
      },
    });
    if (statusChanged) await tx.deploymentStatusChange.create({ data: { deploymentId, status: change.status!, message: change.lines?.join('\n') ?? null, at } });
    // The event is written with the change (transactional outbox): neither exists without the other.
    return { updated, statusChanged, event: statusChanged ? await recordFleetEvent(tx, 'DEPLOYMENT', updated) : null };
  });
  if (statusChanged || (change.lines?.length ?? 0) > 0) deps.pubsub.publish('deploymentChanged', updated.id, { deploymentId: updated.id, status: updated.status });
  if (event) publishRecorded(deps.pubsub, event);
  return updated;
}

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
  const instance = await prisma.odooInstance.findFirst({ where: { id: instanceId, companyId, status: { not: 'DELETED' } } });
  if (!instance) throw new NotFoundError('OdooInstance', instanceId);
  if (instance.status !== 'RUNNING' || !instance.instanceId) throw new ConflictError(`Cannot deploy to an instance that is ${instance.status}.`);
  return instance;
}

/** Records a deployment and its operation, in one transaction, after the checks. */
async function enqueue(
  deps: DeploymentDeps,
  request: { companyId: string; instance: OdooInstance; queue?: boolean | null; idempotencyKey?: string | null; operation: string; input: unknown },
  data: { templateId: string | null; strategy: DeploymentStrategy; commitHash?: string | null; redeployOfId?: string | null },
): Promise<Deployment> {
  const { instance } = request;
  const { id, replayed } = await once(deps.prisma, { companyId: request.companyId, key: request.idempotencyKey, operation: request.operation, input: request.input }, async (tx) => {
    const busy = await busyWith(tx, instance.id);
    if (busy && !request.queue) throw new ConflictError(`A ${busy} of this instance is in progress; retry later or ask to queue.`);
    const deployment = await tx.deployment.create({
      data: { companyId: request.companyId, instanceId: instance.id, branch: instance.gitBranch, ...data },
    });
    await tx.deploymentStatusChange.create({ data: { deploymentId: deployment.id, status: 'PENDING', message: busy ? `Queued behind a ${busy}` : null } });
    await tx.operation.create({ data: { companyId: request.companyId, instanceId: instance.id, kind: 'DEPLOY', subjectId: deployment.id } });
    return deployment.id;
  });
  const deployment = await deps.prisma.deployment.findUniqueOrThrow({ where: { id } });
  if (!replayed) publishDeployment(deps.pubsub, deployment, true);
  return deployment;
}

/**
 * The instance's git target with its credential, for the publisher. After a repository
 * change the instance waits for its credential (set again, or cleared on purpose).
 */
export function gitTargetOf(keyRing: KeyRing, instance: OdooInstance) {
  if (instance.credentialsAwaiting.includes('gitCredential')) {
    throw new ConflictError('The repository changed since the git credential was set: an admin sets gitCredential again (or to null) with setInstanceCredentials.');
  }
  return { repositoryUrl: instance.gitRepositoryUrl!, branch: instance.gitBranch, credential: openInstanceSecret(keyRing, instance, 'gitCredentialEnc') };
}

export async function requestDeployment(deps: DeploymentDeps & { keyRing: KeyRing; git: GitPublisher; providers: ProviderCatalog }, request: DeployRequest): Promise<Deployment> {
  const instance = await liveInstance(deps.prisma, request.companyId, request.instanceId);
  const template = await deps.prisma.template.findFirst({ where: { id: request.templateId, companyId: request.companyId }, select: { id: true, files: { select: { path: true, content: true } } } });
  if (!template) throw new NotFoundError('Template', request.templateId);
  const strategy = deploymentStrategyFor(deps.providers.descriptorOf(instance), instance, template, request.strategy);
  // A repository that cannot be read is refused now, with nothing recorded.
  if (strategy === 'GIT') await deps.git.probe(gitTargetOf(deps.keyRing, instance));
  return enqueue(
    deps,
    { ...request, instance, operation: 'deployTemplate', input: { instanceId: instance.id, templateId: template.id, strategy } },
    { templateId: template.id, strategy },
  );
}

/** Deploys a previous deployment's commit again (a rollback, when it is the last successful one). */
export async function requestRedeploy(
  deps: DeploymentDeps & { providers: ProviderCatalog },
  request: { companyId: string; deploymentId: string; queue?: boolean | null; idempotencyKey?: string | null },
): Promise<Deployment> {
  const previous = await deps.prisma.deployment.findFirst({ where: { id: request.deploymentId, companyId: request.companyId } });
  if (!previous) throw new NotFoundError('Deployment', request.deploymentId);
  if (previous.strategy !== 'GIT' || !previous.commitHash) throw new ConflictError('Only a deployment that pushed a commit can be re-deployed.');
  const instance = await liveInstance(deps.prisma, request.companyId, previous.instanceId);
  requireCapability(deps.providers.descriptorOf(instance), 'deployByGit');
  return enqueue(
    deps,
    { ...request, instance, operation: 'redeploy', input: { deploymentId: previous.id } },
    { templateId: previous.templateId, strategy: 'GIT', commitHash: previous.commitHash, redeployOfId: previous.id },
  );
}

/**
 * Cancels a deployment the provider has not started: it stops before its next step. A
 * deployment the provider is building cannot be cancelled (Odoo.sh offers no way to).
 */
export async function cancelDeployment(deps: DeploymentDeps & { providers: ProviderCatalog }, request: { companyId: string; deploymentId: string }): Promise<Deployment> {
  const deployment = await deps.prisma.deployment.findFirst({
    where: { id: request.deploymentId, companyId: request.companyId },
    include: { instance: { select: { deploymentMethod: true } } },
  });
  if (!deployment) throw new NotFoundError('Deployment', request.deploymentId);
  requireCapability(deps.providers.descriptorOf(deployment.instance), 'cancelDeployment');
  if (isTerminalDeployment(deployment.status)) throw new ConflictError(`The deployment already ended (${deployment.status}).`);
  if (deployment.providerDeploymentId || deployment.status !== 'PENDING') {
    throw new ConflictError('The provider has started this deployment and does not allow cancelling it; wait for it to end, then roll back.');
  }
  await deps.prisma.operation.updateMany({ where: { subjectId: deployment.id, kind: 'DEPLOY', status: 'PENDING' }, data: { status: 'CANCELLED', finishedAt: new Date() } });
  return recordDeployment(deps, deployment.id, { status: 'CANCELLED', lines: ['Cancelled on request'] });
}
