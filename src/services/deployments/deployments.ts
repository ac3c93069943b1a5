// Deployments as the fleet records them: requested in deployment-requests.ts (checked,
// serialized per instance), carried out by the worker (deployment-operations.ts). Every
// status entered is a row of DeploymentStatusChange and an event; log lines are appended
// to the record.
import type { Deployment, OdooInstance, PrismaClient } from '../../generated/prisma/client.js';
import type { DeploymentStatus } from '../../generated/prisma/enums.js';
import { requireCapability } from '../../providers/capabilities.js';
import type { ProviderCatalog } from '../../providers/descriptor.js';
import type { PubSub } from '../../pubsub.js';
import { openInstanceSecret } from '../credentials/credentials.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { publishTransitions, recordTransition } from '../events/transitions.js';

export const terminalDeploymentStatuses: readonly DeploymentStatus[] = ['SUCCESS', 'FAILED', 'CANCELLED'];
export const isTerminalDeployment = (status: string) =>
  (terminalDeploymentStatuses as readonly string[]).includes(status);

export interface DeploymentDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
}

const logLine = (at: Date, text: string) => `${at.toISOString()} ${text}\n`;

/**
 * Records what happened to a deployment: a new status (with its history row) and/or log
 * lines, then publishes. A status equal to the current one only appends the lines.
 */
export async function recordDeployment(
  deps: DeploymentDeps,
  deploymentId: string,
  change: {
    status?: DeploymentStatus;
    lines?: string[];
    data?: Partial<Pick<Deployment, 'commitHash' | 'providerDeploymentId' | 'error' | 'backupId'>>;
  },
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
    if (statusChanged)
      await tx.deploymentStatusChange.create({
        data: { deploymentId, status: change.status!, message: change.lines?.join('\n') ?? null, at },
      });
    return { updated, statusChanged, event: await recordTransition(tx, 'DEPLOYMENT', current.status, updated) };
  });
  if (statusChanged || (change.lines?.length ?? 0) > 0)
    deps.pubsub.publish('deploymentChanged', updated.id, { deploymentId: updated.id, status: updated.status });
  publishTransitions(deps.pubsub, [event]);
  return updated;
}

/**
 * The instance's git target with its credential, for the publisher. After a repository
 * change the instance waits for its credential (set again, or cleared on purpose).
 */
export function gitTargetOf(keyRing: KeyRing, instance: OdooInstance) {
  if (instance.credentialsAwaiting.includes('gitCredential')) {
    throw new ConflictError(
      'The repository changed since the git credential was set: an admin sets gitCredential again (or to null) with setInstanceCredentials.',
    );
  }
  return {
    repositoryUrl: instance.gitRepositoryUrl!,
    branch: instance.gitBranch,
    credential: openInstanceSecret(keyRing, instance, 'gitCredentialEnc'),
  };
}

/**
 * Cancels a deployment the provider has not started: it stops before its next step. A
 * deployment the provider is building cannot be cancelled (Odoo.sh offers no way to).
 */
export async function cancelDeployment(
  deps: DeploymentDeps & { providers: ProviderCatalog },
  request: { companyId: string; deploymentId: string },
): Promise<Deployment> {
  const deployment = await deps.prisma.deployment.findFirst({
    where: { id: request.deploymentId, companyId: request.companyId },
    include: { instance: { select: { deploymentMethod: true } } },
  });
  if (!deployment) throw new NotFoundError('Deployment', request.deploymentId);
  requireCapability(deps.providers.descriptorOf(deployment.instance), 'cancelDeployment');
  if (isTerminalDeployment(deployment.status))
    throw new ConflictError(`The deployment already ended (${deployment.status}).`);
  if (deployment.providerDeploymentId || deployment.status !== 'PENDING') {
    throw new ConflictError(
      'The provider has started this deployment and does not allow cancelling it; wait for it to end, then roll back.',
    );
  }
  await deps.prisma.operation.updateMany({
    where: { subjectId: deployment.id, kind: 'DEPLOY', status: 'PENDING' },
    data: { status: 'CANCELLED', finishedAt: new Date() },
  });
  return recordDeployment(deps, deployment.id, { status: 'CANCELLED', lines: ['Cancelled on request'] });
}
