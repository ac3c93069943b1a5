// Per-request batch loaders: every `latestX` field (and `backupPolicy`) of a page resolves with one query.
import DataLoader from 'dataloader';
import { latestPerInstance } from '../db/latest-per-instance.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { effectivePolicies } from '../services/backups/backup-policies.js';

export function createLoaders(prisma: PrismaClient) {
  const latest = <Table extends 'Backup' | 'Deployment' | 'HealthSample'>(table: Table) =>
    new DataLoader(async (instanceIds: readonly string[]) => {
      const byInstance = await latestPerInstance(prisma, table, instanceIds);
      return instanceIds.map((id) => byInstance.get(id) ?? null);
    });
  return {
    backupPolicy: new DataLoader(
      (instances: ReadonlyArray<{ id: string; companyId: string }>) => effectivePolicies(prisma, instances),
      { cacheKeyFn: (instance) => instance.id },
    ),
    latestBackup: latest('Backup'),
    latestDeployment: latest('Deployment'),
    latestHealthSample: latest('HealthSample'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
