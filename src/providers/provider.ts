import type { Readable } from 'node:stream';

// One interface for every hosting provider (Odoo.sh's API, a self-hosted Odoo server).
// Services call only this; which provider answers is decided at composition.
export type ProviderInstanceStatus = 'creating' | 'running' | 'suspended' | 'maintenance' | 'deleting' | 'error';
export type ProviderTier = 'starter' | 'growth' | 'enterprise';
export type ProviderBackupStatus = 'pending' | 'in_progress' | 'completed' | 'failed';
export type ProviderDeploymentStatus = 'queued' | 'building' | 'deploying' | 'success' | 'failed' | 'cancelled';
export type ProviderHealthStatus = 'healthy' | 'degraded' | 'down';
export type ProviderLogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

export interface ProviderInstance {
  id: string;
  name: string;
  url: string;
  database: string;
  version: string;
  subscriptionId: string | null;
  subscriptionTier: ProviderTier;
  status: ProviderInstanceStatus;
  gitRepositoryUrl: string | null;
  gitBranch: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProviderBackup {
  id: string;
  instanceId: string;
  type: 'manual' | 'automatic';
  status: ProviderBackupStatus;
  sizeBytes: number | null;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date | null;
}

export interface ProviderDeployment {
  id: string;
  instanceId: string;
  branch: string;
  commit: string | null;
  status: ProviderDeploymentStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  logUrl: string | null;
  error: string | null;
}

export interface ProviderHealth {
  status: ProviderHealthStatus;
  responseTimeMs: number | null;
  checkedAt: Date;
  checks: Record<string, 'ok' | 'fail'>;
}

export interface ProviderMetric {
  sampledAt: Date;
  cpuPercent: number | null;
  memoryBytes: number | null;
  storageBytes: number | null;
  dbSizeBytes: number | null;
  requestsPerMinute: number | null;
  activeUsers: number | null;
  /** what a self-hosted Odoo server exposes over RPC; other providers leave them out */
  rpcRoundTripMs?: number | null;
  installedModules?: number | null;
  mailQueued?: number | null;
  mailFailed?: number | null;
  cronsOverdue?: number | null;
  cronsFailing?: number | null;
}

export interface ProviderLogEntry {
  /** the provider's id of the line, when it has one: with the timestamp, where the next poll goes on */
  id?: string;
  timestamp: Date;
  level: ProviderLogLevel;
  logger: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

/** Sent with calls that start work, so a retried call is not done twice. */
export interface StartOptions {
  idempotencyKey?: string;
}

export interface CreateInstanceRequest {
  name: string;
  database: string;
  version: string;
  subscriptionTier: ProviderTier;
  /** the repository and branch the provider builds from (Odoo.sh); ignored by others */
  gitRepositoryUrl?: string | null;
  gitBranch?: string;
}

export interface InstanceProvider {
  createInstance(request: CreateInstanceRequest, options?: StartOptions): Promise<ProviderInstance>;
  getInstance(instanceId: string): Promise<ProviderInstance>;
  listInstances(page?: PageRequest): Promise<Page<ProviderInstance>>;
  updateInstance(
    instanceId: string,
    patch: Partial<{ subscriptionTier: ProviderTier; gitBranch: string; name: string }>,
  ): Promise<ProviderInstance>;
  deleteInstance(instanceId: string): Promise<ProviderInstance>;
  suspendInstance(instanceId: string, options?: StartOptions): Promise<ProviderInstance>;
  resumeInstance(instanceId: string, options?: StartOptions): Promise<ProviderInstance>;

  createBackup(instanceId: string, options?: StartOptions): Promise<ProviderBackup>;
  listBackups(instanceId: string, page?: PageRequest): Promise<Page<ProviderBackup>>;
  getBackup(instanceId: string, backupId: string): Promise<ProviderBackup>;
  restoreBackup(
    instanceId: string,
    backupId: string,
    target: { targetInstanceId?: string; neutralize?: boolean },
    options?: StartOptions,
  ): Promise<{ restoreId: string; status: string }>;
  getBackupDownloadUrl(instanceId: string, backupId: string): Promise<{ url: string; expiresAt: Date }>;
  /** The file of a completed backup, as a stream (for copying it to the fleet's storage). */
  downloadBackup(instanceId: string, backupId: string): Promise<Readable>;
  /**
   * Restores a file from the fleet's storage into an instance, for providers that keep no
   * backups of their own (self-hosted); others restore their own backups by id.
   */
  restoreBackupFile?(
    targetInstanceId: string,
    file: AsyncIterable<Uint8Array>,
    options?: { neutralize?: boolean },
  ): Promise<void>;
  /**
   * Installs or upgrades modules in place (the XML-RPC deployment path of self-hosted
   * servers); answers each module's state afterwards.
   */
  installModules?(
    instanceId: string,
    names: string[],
  ): Promise<Array<{ name: string; state: string; latestVersion?: string | false }>>;
  /**
   * Imports data-only addons (XML, CSV, static files) through Odoo's module import
   * (base_import_module, installed first if missing); answers the imported modules' states.
   */
  importAddons?(
    instanceId: string,
    files: ReadonlyArray<{ path: string; content: string }>,
  ): Promise<Array<{ name: string; state: string; latestVersion: string | false }>>;
  /** Reads modules' states without changing anything (after an install that gave no answer in time). */
  moduleStates?(instanceId: string, names: string[]): Promise<Array<{ name: string; state: string }>>;

  triggerDeployment(
    instanceId: string,
    request: { branch: string; commit?: string },
    options?: StartOptions,
  ): Promise<ProviderDeployment>;
  getDeployment(instanceId: string, deploymentId: string): Promise<ProviderDeployment>;
  listDeployments(instanceId: string, page?: PageRequest): Promise<Page<ProviderDeployment>>;

  getHealth(instanceId: string): Promise<ProviderHealth>;
  getMetrics(instanceId: string, window: { from: Date; to: Date; stepSeconds?: number }): Promise<ProviderMetric[]>;
  getLogs(
    instanceId: string,
    query: { since?: Date; level?: ProviderLogLevel } & PageRequest,
  ): Promise<Page<ProviderLogEntry>>;
}

/** Follows cursors until the end: for callers that want every item. */
export async function collectAll<T>(
  fetchPage: (cursor: string | null) => Promise<Page<T>>,
  maxPages = 1000,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.nextCursor) return items;
    cursor = result.nextCursor;
  }
  throw new Error(`more than ${maxPages} pages: refusing to follow further`);
}
