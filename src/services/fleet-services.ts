// The domain services as the GraphQL layer calls them: `context.services.<domain>.<verb>(request)`.
// Built from a request's dependencies, once per Prisma client (the server's, or one narrowed
// to the instances an API key may reach), so a service never sees more than its caller.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Poller } from '../jobs/poller.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { PubSub } from '../pubsub.js';
import { deleteBackup, setBackupLocked, setBackupPolicy } from './backups/backup-policies.js';
import { createDownloadUrl, requestBackup } from './backups/backups.js';
import type { UrlSigner } from './backups/download-urls.js';
import { requestRestore } from './backups/restores.js';
import type { KeyRing } from './crypto/key-ring.js';
import { requestDeployment, requestRedeploy } from './deployments/deployment-requests.js';
import { cancelDeployment } from './deployments/deployments.js';
import type { GitPublisher } from './deployments/git-publisher.js';
import type { RepositoryPolicy } from './instances/destination-urls.js';
import {
  requestInstance,
  requestInstanceDeletion,
  resumeInstance,
  suspendInstance,
  updateInstance,
} from './instances/instances.js';
import { retryInstanceCreation } from './instances/retry-instance.js';
import { checkInstanceNow } from './observability/instance-checks.js';
import { pollerStatus } from './observability/poller-status.js';
import type { BackupStore } from './storage/backup-store.js';
import { createTemplate, updateTemplate } from './templates/templates.js';
import type { AddressPolicy } from './webhooks/address-policy.js';
import { createWebhookEndpoint, deleteWebhookEndpoint, replayDelivery } from './webhooks/webhooks.js';

export interface ServiceDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  providers: ProviderRegistry;
  keyRing: KeyRing;
  git: GitPublisher;
  poller: Poller;
  repositoryPolicy: RepositoryPolicy;
  downloads: { signer: UrlSigner; publicUrl: string };
  backupStore: BackupStore;
  webhookPolicy: AddressPolicy;
}

/** A service function with its dependencies given: what remains is the request. */
function bound<Deps, Request, Result>(
  deps: Deps,
  verb: (deps: Deps, request: Request) => Result,
): (request: Request) => Result {
  return (request) => verb(deps, request);
}

export function fleetServices(deps: ServiceDeps) {
  return {
    instances: {
      create: bound(deps, requestInstance),
      update: bound(deps, updateInstance),
      delete: bound(deps, requestInstanceDeletion),
      suspend: bound(deps, suspendInstance),
      resume: bound(deps, resumeInstance),
      retryCreation: bound(deps, retryInstanceCreation),
      checkNow: bound(deps, checkInstanceNow),
    },
    backups: {
      create: bound(deps, requestBackup),
      createDownloadUrl: bound({ prisma: deps.prisma, ...deps.downloads }, createDownloadUrl),
      restore: bound(deps, requestRestore),
      delete: bound({ ...deps, store: deps.backupStore }, deleteBackup),
      setLocked: bound(deps.prisma, setBackupLocked),
      setPolicy: bound(deps.prisma, setBackupPolicy),
    },
    templates: {
      create: bound(deps.prisma, createTemplate),
      update: bound(deps.prisma, updateTemplate),
    },
    webhooks: {
      createEndpoint: bound({ ...deps, policy: deps.webhookPolicy }, createWebhookEndpoint),
      deleteEndpoint: bound(deps.prisma, deleteWebhookEndpoint),
      replayDelivery: bound(deps.prisma, replayDelivery),
    },
    deployments: {
      deploy: bound(deps, requestDeployment),
      redeploy: bound(deps, requestRedeploy),
      cancel: bound(deps, cancelDeployment),
    },
    polling: {
      status: () => pollerStatus(deps.prisma, deps.poller.intervalMs),
    },
  };
}

export type FleetServices = ReturnType<typeof fleetServices>;
