// Per-request batch loaders: every `latestX` field (and `backupPolicy`) of a page resolves with one query.
import DataLoader from 'dataloader';
import { latestPerInstance } from '../db/latest-per-instance.js';
import type { Deployment, PrismaClient } from '../generated/prisma/client.js';
import { effectivePolicies } from '../services/backups/backup-policies.js';
import { latestOperationsOf } from '../services/operations/progress.js';

const latest = <Table extends 'Backup' | 'Deployment' | 'HealthSample'>(prisma: PrismaClient, table: Table) =>
  new DataLoader(async (instanceIds: readonly string[]) => {
    const byInstance = await latestPerInstance(prisma, table, instanceIds);
    return instanceIds.map((id) => byInstance.get(id) ?? null);
  });

const loaderFactories = {
  backupPolicy: (prisma: PrismaClient) =>
    new DataLoader(
      (instances: ReadonlyArray<{ id: string; companyId: string }>) => effectivePolicies(prisma, instances),
      { cacheKeyFn: (instance) => instance.id },
    ),
  latestBackup: (prisma: PrismaClient) => latest(prisma, 'Backup'),
  // Read without its unbounded build log: `Deployment.log` loads it (deploymentLog) for
  // the rows whose query asks for it, so the type's shape holds where it is read.
  latestDeployment: (prisma: PrismaClient) =>
    latest(prisma, 'Deployment') as unknown as DataLoader<string, Deployment | null>,
  deploymentLog: (prisma: PrismaClient) =>
    new DataLoader(async (deploymentIds: readonly string[]) => {
      const rows = await prisma.deployment.findMany({
        where: { id: { in: [...deploymentIds] } },
        select: { id: true, log: true },
      });
      const byId = new Map(rows.map((row) => [row.id, row.log]));
      return deploymentIds.map((id) => byId.get(id) ?? '');
    }),
  latestHealthSample: (prisma: PrismaClient) => latest(prisma, 'HealthSample'),
  // Batched but never cached: a subscription's context lives on, and progress moves.
  progress: (prisma: PrismaClient) =>
    new DataLoader(
      async (subjectIds: readonly string[]) => {
        const bySubject = await latestOperationsOf(prisma, subjectIds);
        return subjectIds.map((id) => bySubject.get(id) ?? null);
      },
      { cache: false },
    ),
};

export type Loaders = { [Name in keyof typeof loaderFactories]: ReturnType<(typeof loaderFactories)[Name]> };

/**
 * The loaders of one request, each made on first use: a subscription's context lives as
 * long as its stream, and most streams never load anything (memory per subscriber).
 */
export function createLoaders(prisma: PrismaClient): Loaders {
  const made: Partial<Record<keyof Loaders, unknown>> = {};
  const loaders = {};
  for (const name of Object.keys(loaderFactories) as Array<keyof Loaders>) {
    Object.defineProperty(loaders, name, {
      enumerable: true,
      get: () => (made[name] ??= loaderFactories[name](prisma)),
    });
  }
  return loaders as Loaders;
}
