// The Odoo.sh-style provider: every route of the contract (docs/providers.md), mapped to
// the provider interface. Wire names stay snake_case here and nowhere else.
import type {
  CreateInstanceRequest,
  InstanceProvider,
  Page,
  PageRequest,
  ProviderBackup,
  ProviderDeployment,
  ProviderHealth,
  ProviderInstance,
  ProviderLogEntry,
  ProviderLogLevel,
  ProviderMetric,
  StartOptions,
} from '../provider.js';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ProviderError } from '../errors.js';
import type { OdooShHttp } from './http.js';

/** A pre-signed file URL, streamed with socket backpressure (no bearer token: the URL is the grant). */
function downloadFile(url: string): Promise<Readable> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      target,
      { method: 'GET' },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(
            new ProviderError(
              response.statusCode === 404 ? 'not_found' : 'unavailable',
              `Backup download answered ${response.statusCode}`,
              { status: response.statusCode },
            ),
          );
          return;
        }
        resolve(response);
      },
    );
    request.on('error', (error) =>
      reject(new ProviderError('unavailable', `Backup download failed: ${error.message}`)),
    );
    request.end();
  });
}

type Json = Record<string, unknown>;
interface WireList {
  items: Json[];
  next_cursor: string | null;
}

const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
const text = (value: unknown) => (typeof value === 'string' ? value : null);
const number = (value: unknown) => (typeof value === 'number' ? value : null);

function toInstance(wire: Json): ProviderInstance {
  return {
    id: String(wire.id),
    name: String(wire.name),
    url: String(wire.url),
    database: String(wire.database),
    version: String(wire.version),
    subscriptionId: text(wire.subscription_id),
    subscriptionTier: wire.subscription_tier as ProviderInstance['subscriptionTier'],
    status: wire.status as ProviderInstance['status'],
    gitRepositoryUrl: text(wire.git_repository_url),
    gitBranch: text(wire.git_branch) ?? 'master',
    createdAt: date(wire.created_at)!,
    updatedAt: date(wire.updated_at)!,
  };
}

function toBackup(wire: Json): ProviderBackup {
  return {
    id: String(wire.id),
    instanceId: String(wire.instance_id),
    type: wire.type === 'automatic' ? 'automatic' : 'manual',
    status: wire.status as ProviderBackup['status'],
    sizeBytes: number(wire.size_bytes),
    createdAt: date(wire.created_at)!,
    completedAt: date(wire.completed_at),
    expiresAt: date(wire.expires_at),
  };
}

function toDeployment(wire: Json): ProviderDeployment {
  return {
    id: String(wire.id),
    instanceId: String(wire.instance_id),
    branch: String(wire.branch),
    commit: text(wire.commit),
    status: wire.status as ProviderDeployment['status'],
    startedAt: date(wire.started_at),
    finishedAt: date(wire.finished_at),
    logUrl: text(wire.log_url),
    error: text(wire.error),
  };
}

function toHealth(wire: Json): ProviderHealth {
  return {
    status: wire.status as ProviderHealth['status'],
    responseTimeMs: number(wire.response_time_ms),
    checkedAt: date(wire.checked_at)!,
    checks: (wire.checks ?? {}) as ProviderHealth['checks'],
  };
}

function toMetric(wire: Json): ProviderMetric {
  return {
    sampledAt: date(wire.sampled_at)!,
    cpuPercent: number(wire.cpu_percent),
    memoryBytes: number(wire.memory_bytes),
    storageBytes: number(wire.storage_bytes),
    dbSizeBytes: number(wire.db_size_bytes),
    requestsPerMinute: number(wire.requests_per_minute),
    activeUsers: number(wire.active_users),
  };
}

function toLog(wire: Json): ProviderLogEntry {
  return {
    timestamp: date(wire.timestamp)!,
    level: wire.level as ProviderLogLevel,
    logger: String(wire.logger),
    message: String(wire.message),
  };
}

const pageQuery = (page?: PageRequest) => ({ limit: page?.limit, cursor: page?.cursor });
const mapPage = <T>(list: WireList, map: (wire: Json) => T): Page<T> => ({
  items: list.items.map(map),
  nextCursor: list.next_cursor,
});
const segment = (id: string) => encodeURIComponent(id);

export class OdooShProvider implements InstanceProvider {
  constructor(private readonly http: OdooShHttp) {}

  async createInstance(request: CreateInstanceRequest, options?: StartOptions) {
    const body: Json = {
      name: request.name,
      database: request.database,
      version: request.version,
      subscription_tier: request.subscriptionTier,
    };
    if (request.gitRepositoryUrl) body.git_repository_url = request.gitRepositoryUrl;
    if (request.gitBranch) body.git_branch = request.gitBranch;
    return toInstance(
      await this.http.request<Json>('POST', '/instances', { body, idempotencyKey: options?.idempotencyKey }),
    );
  }
  async getInstance(instanceId: string) {
    return toInstance(await this.http.request<Json>('GET', `/instances/${segment(instanceId)}`));
  }
  async listInstances(page?: PageRequest) {
    return mapPage(await this.http.request<WireList>('GET', '/instances', { query: pageQuery(page) }), toInstance);
  }
  async updateInstance(
    instanceId: string,
    patch: Partial<{ subscriptionTier: ProviderInstance['subscriptionTier']; gitBranch: string; name: string }>,
  ) {
    const body: Json = {};
    if (patch.subscriptionTier !== undefined) body.subscription_tier = patch.subscriptionTier;
    if (patch.gitBranch !== undefined) body.git_branch = patch.gitBranch;
    if (patch.name !== undefined) body.name = patch.name;
    return toInstance(await this.http.request<Json>('PATCH', `/instances/${segment(instanceId)}`, { body }));
  }
  async deleteInstance(instanceId: string) {
    return toInstance(await this.http.request<Json>('DELETE', `/instances/${segment(instanceId)}`));
  }
  async suspendInstance(instanceId: string, options?: StartOptions) {
    return toInstance(
      await this.http.request<Json>('POST', `/instances/${segment(instanceId)}/suspend`, {
        idempotencyKey: options?.idempotencyKey,
      }),
    );
  }
  async resumeInstance(instanceId: string, options?: StartOptions) {
    return toInstance(
      await this.http.request<Json>('POST', `/instances/${segment(instanceId)}/resume`, {
        idempotencyKey: options?.idempotencyKey,
      }),
    );
  }

  async createBackup(instanceId: string, options?: StartOptions) {
    return toBackup(
      await this.http.request<Json>('POST', `/instances/${segment(instanceId)}/backups`, {
        body: { type: 'manual' },
        idempotencyKey: options?.idempotencyKey,
      }),
    );
  }
  async listBackups(instanceId: string, page?: PageRequest) {
    return mapPage(
      await this.http.request<WireList>('GET', `/instances/${segment(instanceId)}/backups`, { query: pageQuery(page) }),
      toBackup,
    );
  }
  async getBackup(instanceId: string, backupId: string) {
    return toBackup(
      await this.http.request<Json>('GET', `/instances/${segment(instanceId)}/backups/${segment(backupId)}`),
    );
  }
  async restoreBackup(
    instanceId: string,
    backupId: string,
    target: { targetInstanceId?: string; neutralize?: boolean },
    options?: StartOptions,
  ) {
    const wire = await this.http.request<Json>(
      'POST',
      `/instances/${segment(instanceId)}/backups/${segment(backupId)}/restore`,
      {
        body: {
          ...(target.targetInstanceId ? { target_instance_id: target.targetInstanceId } : {}),
          ...(target.neutralize ? { neutralize: true } : {}),
        },
        idempotencyKey: options?.idempotencyKey,
      },
    );
    return { restoreId: String(wire.restore_id), status: String(wire.status) };
  }
  async getBackupDownloadUrl(instanceId: string, backupId: string) {
    const wire = await this.http.request<Json>(
      'GET',
      `/instances/${segment(instanceId)}/backups/${segment(backupId)}/download`,
    );
    return { url: String(wire.url), expiresAt: date(wire.expires_at)! };
  }

  async downloadBackup(instanceId: string, backupId: string) {
    const { url } = await this.getBackupDownloadUrl(instanceId, backupId);
    return downloadFile(url);
  }

  async triggerDeployment(instanceId: string, request: { branch: string; commit?: string }, options?: StartOptions) {
    return toDeployment(
      await this.http.request<Json>('POST', `/instances/${segment(instanceId)}/deployments`, {
        body: request,
        idempotencyKey: options?.idempotencyKey,
      }),
    );
  }
  async getDeployment(instanceId: string, deploymentId: string) {
    return toDeployment(
      await this.http.request<Json>('GET', `/instances/${segment(instanceId)}/deployments/${segment(deploymentId)}`),
    );
  }
  async listDeployments(instanceId: string, page?: PageRequest) {
    return mapPage(
      await this.http.request<WireList>('GET', `/instances/${segment(instanceId)}/deployments`, {
        query: pageQuery(page),
      }),
      toDeployment,
    );
  }

  async getHealth(instanceId: string) {
    return toHealth(await this.http.request<Json>('GET', `/instances/${segment(instanceId)}/health`));
  }
  async getMetrics(instanceId: string, window: { from: Date; to: Date; stepSeconds?: number }) {
    const wire = await this.http.request<{ samples: Json[] }>('GET', `/instances/${segment(instanceId)}/metrics`, {
      query: { from: window.from.toISOString(), to: window.to.toISOString(), step: window.stepSeconds },
    });
    return wire.samples.map(toMetric);
  }
  async getLogs(instanceId: string, query: { since?: Date; level?: ProviderLogLevel } & PageRequest) {
    const wire = await this.http.request<{ entries: Json[]; next_cursor: string | null }>(
      'GET',
      `/instances/${segment(instanceId)}/logs`,
      {
        query: { since: query.since?.toISOString(), level: query.level, limit: query.limit, cursor: query.cursor },
      },
    );
    return { items: wire.entries.map(toLog), nextCursor: wire.next_cursor };
  }
}
