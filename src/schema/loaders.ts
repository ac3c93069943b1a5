// Per-request batch loaders: the `latestX` fields of a page resolve together with one
// query, and `backupPolicy` with one of its own.
import DataLoader from 'dataloader';
import { latestReadWith } from '../db/instance-page.js';
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

const loaderFactories = {
  latestRows,
  backupPolicy: (prisma: PrismaClient) =>
    new DataLoader(
      (instances: ReadonlyArray<{ id: string; companyId: string }>) => effectivePolicies(prisma, instances),
      { cacheKeyFn: (instance) => instance.id },
    ),
  deploymentLog: (prisma: PrismaClient) =>
    new DataLoader(async (deploymentIds: readonly string[]) => {
      const rows = await prisma.deployment.findMany({
        where: { id: { in: [...deploymentIds] } },
        select: { id: true, log: true },
      });
      const byId = new Map(rows.map((row) => [row.id, row.log]));
      return deploymentIds.map((id) => byId.get(id) ?? '');
    }),
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

type Made = { -readonly [Name in keyof Loaders]?: Loaders[Name] };

/**
 * The loaders of one request, each made on first use: a subscription's context lives as
 * long as its stream, and most streams never load anything (memory per subscriber). The
 * getters live on the prototype: a request holds its client and what it made, no more.
 */
class RequestLoaders implements Loaders {
  private readonly made: Made = {};
  constructor(private readonly prisma: PrismaClient) {}
  get latestRows() {
    return (this.made.latestRows ??= loaderFactories.latestRows(this.prisma));
  }
  get backupPolicy() {
    return (this.made.backupPolicy ??= loaderFactories.backupPolicy(this.prisma));
  }
  get deploymentLog() {
    return (this.made.deploymentLog ??= loaderFactories.deploymentLog(this.prisma));
  }
  get progress() {
    return (this.made.progress ??= loaderFactories.progress(this.prisma));
  }
}

export function createLoaders(prisma: PrismaClient): Loaders {
  return new RequestLoaders(prisma);
}

/**
 * The latest row of a table for an instance: the one read with its page when it was
 * (possibly only the columns that query asked), else through the request's loader.
 */
export function latestRowFor<Table extends LatestTable>(
  loaders: Loaders,
  instance: { id: string },
  table: Table,
): LatestRows[Table] | null | Promise<LatestRows[Table] | null> {
  const read = latestReadWith(instance, table);
  if (read !== undefined) return read as LatestRows[Table] | null;
  return loaders.latestRows.load({ table, instanceId: instance.id }) as Promise<LatestRows[Table] | null>;
}

/**
 * The latest deployment, read without its unbounded build log: `Deployment.log` loads it
 * (deploymentLog) for the rows whose query asks for it, so the type's shape holds where it is read.
 */
export const latestDeploymentFor = (loaders: Loaders, instance: { id: string }) =>
  latestRowFor(loaders, instance, 'Deployment') as Deployment | null | Promise<Deployment | null>;
