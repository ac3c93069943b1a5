// Per-request batch loaders: the `latestX` fields of a page resolve together with one
// query, and `backupPolicy` with one of its own.
import DataLoader from 'dataloader';
import { latestRowsPerInstance, type LatestRows } from '../db/latest-per-instance.js';
import type { Deployment, PrismaClient } from '../generated/prisma/client.js';
import { effectivePolicies } from '../services/backups/backup-policies.js';
import { latestOperationsOf } from '../services/operations/progress.js';

type LatestTable = keyof LatestRows;
interface LatestKey {
  table: LatestTable;
  instanceId: string;
}

/**
 * The newest rows of every `latestX` field asked in the same tick, in one statement:
 * a page asking health, latest backup and latest deployment reads the three tables together.
 */
const latestRows = (prisma: PrismaClient) =>
  new DataLoader(
    async (keys: readonly LatestKey[]) => {
      const tables = [...new Set(keys.map((key) => key.table))];
      const byTable = await latestRowsPerInstance(
        prisma,
        tables,
        keys.map((key) => key.instanceId),
      );
      return keys.map((key) => (byTable[key.table].get(key.instanceId) ?? null) as LatestRows[LatestTable] | null);
    },
    { cacheKeyFn: (key) => `${key.table}:${key.instanceId}` },
  );

type Shared = { latestRows: ReturnType<typeof latestRows> };

/** One table's view of the shared `latestRows` loader. */
const latest =
  <Table extends LatestTable>(table: Table) =>
  (_prisma: PrismaClient, loaders: Shared) => ({
    load: (instanceId: string) => loaders.latestRows.load({ table, instanceId }) as Promise<LatestRows[Table] | null>,
  });

const loaderFactories = {
  latestRows,
  backupPolicy: (prisma: PrismaClient) =>
    new DataLoader(
      (instances: ReadonlyArray<{ id: string; companyId: string }>) => effectivePolicies(prisma, instances),
      { cacheKeyFn: (instance) => instance.id },
    ),
  latestBackup: latest('Backup'),
  // Read without its unbounded build log: `Deployment.log` loads it (deploymentLog) for
  // the rows whose query asks for it, so the type's shape holds where it is read.
  latestDeployment: (prisma: PrismaClient, loaders: Shared) =>
    latest('Deployment')(prisma, loaders) as unknown as { load: (instanceId: string) => Promise<Deployment | null> },
  deploymentLog: (prisma: PrismaClient) =>
    new DataLoader(async (deploymentIds: readonly string[]) => {
      const rows = await prisma.deployment.findMany({
        where: { id: { in: [...deploymentIds] } },
        select: { id: true, log: true },
      });
      const byId = new Map(rows.map((row) => [row.id, row.log]));
      return deploymentIds.map((id) => byId.get(id) ?? '');
    }),
  latestHealthSample: latest('HealthSample'),
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
  const loaders: object = {};
  for (const name of Object.keys(loaderFactories) as Array<keyof Loaders>) {
    Object.defineProperty(loaders, name, {
      enumerable: true,
      get: () => (made[name] ??= loaderFactories[name](prisma, loaders as Shared)),
    });
  }
  return loaders as Loaders;
}

/** Hands the latest row of a table for an instance (or that it has none), read with a page, to the request's loader. */
export function primeLatestRow<Table extends LatestTable>(
  loaders: Loaders,
  table: Table,
  instanceId: string,
  row: LatestRows[Table] | null,
): void {
  loaders.latestRows.prime({ table, instanceId }, row);
}
