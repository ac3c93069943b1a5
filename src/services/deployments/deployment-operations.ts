// The deploy operation:
//   start       → waits until every earlier backup, restore or deployment of the
//                 instance has ended (deployments run in the order requested); takes a
//                 PRE_DEPLOYMENT backup first when the instance's policy says so
//   wait_backup → waits for that backup; if it failed, nothing is deployed
//   push        → commits the template's addons and pushes (GIT); the publisher finds a
//                 commit it pushed before a crash instead of pushing again
//   trigger     → asks the provider to deploy the branch at that commit (idempotency key
//                 derived from the operation)
//   track       → follows the provider's deployment to its end, recording every status
//   install     → XMLRPC: installs or upgrades the template's modules on the server
//   wait_install→ after an install that gave no answer in time: follows the modules'
//                 state until Odoo has finished, never asking for the install again
// A deployment cancelled meanwhile stops at its next step.
import { z } from 'zod';
import type { Deployment, Operation, PrismaClient } from '../../generated/prisma/client.js';
import type { DeploymentStatus } from '../../generated/prisma/enums.js';
import { hasCapability } from '../../providers/descriptor.js';
import { ProviderError } from '../../providers/errors.js';
import type { ProviderDeploymentStatus } from '../../providers/provider.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { PubSub } from '../../pubsub.js';
import { effectivePolicy } from '../backups/backup-policies.js';
import { SERIAL_INSTANCE_WORK } from '../backups/backup-operations.js';
import { backupOutcome, recordBackup } from '../backups/backups.js';
import type { KeyRing } from '../crypto/key-ring.js';
import { RepositoryError } from '../errors.js';
import { publishTransitions } from '../events/transitions.js';
import { defineOperation, type Outcome } from '../operations/define.js';
import type { OperationHandler } from '../operations/worker.js';
import { addonFolders } from '../templates/templates.js';
import { manifestVersions, sameModuleVersion } from './deployment-strategy.js';
import { gitTargetOf, recordDeployment } from './deployments.js';
import type { GitPublisher } from './git-publisher.js';

export interface DeploymentOperationDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  keyRing: KeyRing;
  git: GitPublisher;
  author: { name: string; email: string };
  pollMs?: number;
}

const fromProvider: Record<ProviderDeploymentStatus, DeploymentStatus> = {
  queued: 'QUEUED',
  building: 'BUILDING',
  deploying: 'DEPLOYING',
  success: 'SUCCESS',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
};

/** Module states of an install or upgrade still running on the server. */
const PENDING_MODULE_STATES = new Set(['to install', 'to upgrade', 'to remove']);
const MAX_INSTALL_LOOKS = 720;

const DEPLOY_STEPS = {
  start: 'Waiting for earlier work on the instance',
  wait_backup: 'Waiting for the pre-deployment backup',
  push: 'Pushing the addons to the repository',
  revert: 'Rolling the branch back to the earlier commit',
  trigger: 'Asking the provider to deploy',
  track: "Following the provider's build and deployment",
  install: 'Installing the modules over XML-RPC',
  wait_install: 'Waiting for Odoo to finish installing',
};
type DeployStep = keyof typeof DEPLOY_STEPS;
type StepOutcome = Outcome<DeployStep>;

function deploySteps(deps: DeploymentOperationDeps) {
  const pollMs = deps.pollMs ?? 2000;
  const record = (id: string, change: Parameters<typeof recordDeployment>[2]) => recordDeployment(deps, id, change);

  /** The step after the backup: push a template, roll the branch back to a known commit, or install. */
  const firstWorkStep = (deployment: Deployment): DeployStep =>
    deployment.strategy === 'XMLRPC' ? 'install' : deployment.commitHash ? 'revert' : 'push';

  async function earlierWorkRunning(operation: Operation): Promise<boolean> {
    const earlier = await deps.prisma.operation.count({
      where: {
        instanceId: operation.instanceId,
        id: { not: operation.id },
        kind: { in: [...deployOperation.excludes] },
        status: { in: ['PENDING', 'RUNNING'] },
        createdAt: { lt: operation.createdAt },
      },
    });
    return earlier > 0;
  }

  async function succeed(deployment: Deployment, lines: string[]): Promise<StepOutcome> {
    await record(deployment.id, { status: 'SUCCESS', lines });
    if (deployment.commitHash)
      await deps.prisma.odooInstance.update({
        where: { id: deployment.instanceId },
        data: { gitCommitHash: deployment.commitHash },
      });
    return { done: true };
  }

  /**
   * The end of an install: every module installed, and each of the template's own addons
   * at the version of its manifest (read back from Odoo); else a FAILED deployment saying which.
   */
  async function installed(
    deployment: Deployment,
    states: Array<{ name: string; state: string; latestVersion?: string | false }>,
    files: ReadonlyArray<{ path: string; content: string }>,
  ): Promise<StepOutcome> {
    const wanted = manifestVersions(files);
    const lines = states.map(
      (module) => `${module.name}: ${module.state}${module.latestVersion ? ` ${module.latestVersion}` : ''}`,
    );
    const failed = states.filter((module) => module.state !== 'installed');
    if (failed.length > 0) {
      const error = `Not installed: ${failed.map((module) => `${module.name} (${module.state})`).join(', ')}`;
      await record(deployment.id, { status: 'FAILED', data: { error }, lines });
      return { done: true };
    }
    const stale = states.filter(
      (module) => wanted.has(module.name) && !sameModuleVersion(module.latestVersion || '', wanted.get(module.name)!),
    );
    if (stale.length > 0) {
      const error = `Installed at another version than the template's: ${stale.map((module) => `${module.name} ${module.latestVersion || 'unknown'} (template ${wanted.get(module.name)})`).join(', ')}`;
      await record(deployment.id, { status: 'FAILED', data: { error }, lines });
      return { done: true };
    }
    return succeed(deployment, lines);
  }

  const steps: Record<DeployStep, (operation: Operation, deployment: Deployment) => Promise<StepOutcome>> = {
    async start(operation, deployment) {
      if (await earlierWorkRunning(operation)) return { next: 'start', delayMs: pollMs };
      const policy = await effectivePolicy(deps.prisma, { id: deployment.instanceId, companyId: deployment.companyId });
      if (!policy?.backupBeforeDeploy || deployment.backupId)
        return { next: deployment.backupId ? 'wait_backup' : firstWorkStep(deployment) };
      const backup = await deps.prisma.$transaction(async (tx) => {
        const created = await recordBackup(tx, deployment, 'PRE_DEPLOYMENT');
        await tx.deployment.update({ where: { id: deployment.id }, data: { backupId: created.backup.id } });
        return created;
      });
      publishTransitions(deps.pubsub, [backup.event]);
      await record(deployment.id, { lines: ['Backing up the instance before deploying'] });
      return { next: 'wait_backup', delayMs: pollMs };
    },

    async wait_backup(_operation, deployment) {
      const backup = await backupOutcome(deps.prisma, deployment.backupId!);
      if (backup.state === 'completed') {
        await record(deployment.id, { lines: ['Backup before deploying completed'] });
        return { next: firstWorkStep(deployment) };
      }
      if (backup.state === 'failed')
        return { failed: `The backup before deploying failed (${backup.reason}); nothing was deployed` };
      return { next: 'wait_backup', delayMs: pollMs };
    },

    async push(operation, deployment) {
      const [instance, template] = await Promise.all([
        deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: deployment.instanceId } }),
        deps.prisma.template.findUniqueOrThrow({
          where: { id: deployment.templateId! },
          include: { files: { orderBy: { path: 'asc' } } },
        }),
      ]);
      try {
        const published = await deps.git.publish({
          ...gitTargetOf(deps.keyRing, instance),
          branch: deployment.branch,
          deploymentId: deployment.id,
          addons: addonFolders(template.files),
          files: template.files,
          message: `Deploy template ${template.name} ${template.version}\n\nModules: ${template.modules.join(', ')}`,
          author: deps.author,
        });
        await record(deployment.id, {
          data: { commitHash: published.commit },
          lines: [
            published.pushedNow
              ? `Pushed ${published.commit} to ${deployment.branch}`
              : `Found ${published.commit} already pushed to ${deployment.branch}`,
          ],
        });
        // A provider that installs modules has no build of its own: the pushed addons are installed over RPC.
        return {
          next: hasCapability(deps.providers.descriptorOf(instance), 'deployByModuleInstall') ? 'install' : 'trigger',
        };
      } catch (error) {
        // An unreachable repository may come back; a refused push or a conflict will not.
        if (error instanceof RepositoryError && error.kind !== 'unreachable') return { failed: error.message };
        if (error instanceof RepositoryError && operation.attempts >= 5) return { failed: error.message };
        throw error;
      }
    },

    // A redeploy of an earlier commit makes the branch match it first: a commit on top
    // that restores its files (carrying this deployment's trailer, so a restart finds it),
    // then that commit is deployed. The failing change leaves the branch, and the next
    // deployment builds on the good state.
    async revert(operation, deployment) {
      const instance = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: deployment.instanceId } });
      const target = deployment.commitHash!;
      try {
        const restored = await deps.git.restore({
          ...gitTargetOf(deps.keyRing, instance),
          branch: deployment.branch,
          deploymentId: deployment.id,
          toCommit: target,
          message: `Roll back ${deployment.branch} to ${target.slice(0, 12)}\n\nRestores the files of ${target}, undoing the changes pushed since.`,
          author: deps.author,
        });
        await record(deployment.id, {
          data: { commitHash: restored.commit },
          lines: [
            restored.pushedNow
              ? `Pushed ${restored.commit}, restoring ${target}, to ${deployment.branch}`
              : `Found ${restored.commit}, restoring ${target}, already pushed to ${deployment.branch}`,
          ],
        });
        return { next: 'trigger' };
      } catch (error) {
        if (error instanceof RepositoryError && error.kind !== 'unreachable') return { failed: error.message };
        if (error instanceof RepositoryError && operation.attempts >= 5) return { failed: error.message };
        throw error;
      }
    },

    async trigger(operation, deployment) {
      const instance = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: deployment.instanceId } });
      const started = await deps.providers
        .providerFor(instance)
        .triggerDeployment(
          instance.instanceId!,
          { branch: deployment.branch, commit: deployment.commitHash! },
          { idempotencyKey: `${operation.id}:trigger` },
        );
      await record(deployment.id, {
        status: fromProvider[started.status],
        data: { providerDeploymentId: started.id },
        lines: [`The provider accepted deployment ${started.id} of ${deployment.commitHash}`],
      });
      return { next: 'track', delayMs: pollMs };
    },

    async track(_operation, deployment) {
      const instance = await deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: deployment.instanceId } });
      const current = await deps.providers
        .providerFor(instance)
        .getDeployment(instance.instanceId!, deployment.providerDeploymentId!);
      const status = fromProvider[current.status];
      if (status === 'SUCCESS')
        return succeed(deployment, [
          `The provider reports success${current.logUrl ? ` (log: ${current.logUrl})` : ''}`,
        ]);
      if (status === 'FAILED') {
        await record(deployment.id, {
          status,
          data: { error: current.error ?? 'The provider reports the deployment failed' },
          lines: [current.error ?? 'failed'],
        });
        return { done: true };
      }
      if (status !== deployment.status)
        await record(deployment.id, { status, lines: [`The provider reports ${current.status}`] });
      if (status === 'CANCELLED') return { done: true };
      return { next: 'track', delayMs: pollMs };
    },

    async install(_operation, deployment) {
      const [instance, template] = await Promise.all([
        deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: deployment.instanceId } }),
        deps.prisma.template.findUniqueOrThrow({
          where: { id: deployment.templateId! },
          include: { files: { orderBy: { path: 'asc' } } },
        }),
      ]);
      const provider = deps.providers.providerFor(instance);
      if (!provider.installModules) return { failed: 'This provider cannot install modules over XML-RPC' };
      // Over XML-RPC the template's own addons (data-only, checked at request) arrive through
      // Odoo's module import; after a git push they are on the server's addons path already.
      const addons = deployment.strategy === 'XMLRPC' ? addonFolders(template.files) : [];
      let imported: Array<{ name: string; state: string; latestVersion?: string | false }> = [];
      if (addons.length > 0) {
        if (!provider.importAddons) return { failed: 'This provider cannot import addons' };
        await record(deployment.id, {
          status: 'DEPLOYING',
          lines: [`Importing ${addons.join(', ')} through Odoo's module import`],
        });
        imported = await provider.importAddons(instance.instanceId!, template.files);
      }
      const others = template.modules.filter((name) => !addons.includes(name));
      if (others.length === 0) return installed(deployment, imported, template.files);
      await record(deployment.id, { status: 'DEPLOYING', lines: [`Installing ${others.join(', ')}`] });
      let states: Array<{ name: string; state: string; latestVersion?: string | false }>;
      try {
        states = [...imported, ...(await provider.installModules(instance.instanceId!, others))];
      } catch (error) {
        // No answer in time: Odoo may still be installing. Read the modules' state instead
        // of asking again (a repeated request would upgrade what was just installed).
        if (error instanceof ProviderError && error.details.code === 'timeout' && provider.moduleStates) {
          await record(deployment.id, { lines: [`No answer yet (${error.message}); following the modules' state`] });
          return { next: 'wait_install', delayMs: pollMs };
        }
        throw error;
      }
      return installed(deployment, states, template.files);
    },

    async wait_install(operation, deployment) {
      const [instance, template] = await Promise.all([
        deps.prisma.odooInstance.findUniqueOrThrow({ where: { id: deployment.instanceId } }),
        deps.prisma.template.findUniqueOrThrow({ where: { id: deployment.templateId! }, include: { files: true } }),
      ]);
      const states = await deps.providers.providerFor(instance).moduleStates!(instance.instanceId!, template.modules);
      if (states.some((module) => PENDING_MODULE_STATES.has(module.state))) {
        if (operation.attempts >= MAX_INSTALL_LOOKS)
          return {
            failed: `Odoo was still installing after ${MAX_INSTALL_LOOKS} looks: ${states.map((module) => `${module.name} (${module.state})`).join(', ')}`,
          };
        return { next: 'wait_install', delayMs: pollMs };
      }
      return installed(deployment, states, template.files);
    },
  };

  return steps;
}

export const deployOperation = defineOperation({
  kind: 'DEPLOY',
  input: z.object({}),
  subject: 'DEPLOYMENT',
  excludes: SERIAL_INSTANCE_WORK,
  steps: DEPLOY_STEPS,
  routes: [
    ['start', 'wait_backup', 'push', 'trigger', 'track'],
    ['start', 'wait_backup', 'install'],
  ],
  run: (deps: DeploymentOperationDeps) => {
    const steps = deploySteps(deps);
    const record = (id: string, change: Parameters<typeof recordDeployment>[2]) => recordDeployment(deps, id, change);
    // A deployment cancelled meanwhile stops at its next step.
    const on =
      (step: DeployStep) =>
      async ({ operation }: { operation: Operation }): Promise<StepOutcome> => {
        const deployment = await deps.prisma.deployment.findUniqueOrThrow({ where: { id: operation.subjectId! } });
        return deployment.status === 'CANCELLED' ? { done: true } : steps[step](operation, deployment);
      };
    return {
      steps: {
        start: on('start'),
        wait_backup: on('wait_backup'),
        push: on('push'),
        revert: on('revert'),
        trigger: on('trigger'),
        track: on('track'),
        install: on('install'),
        wait_install: on('wait_install'),
      },
      async onFailure(operation, reason) {
        await record(operation.subjectId!, { status: 'FAILED', data: { error: reason }, lines: [reason] });
      },
    };
  },
});

export const deploymentOperationHandler = (deps: DeploymentOperationDeps): OperationHandler =>
  deployOperation.handler(deps);
