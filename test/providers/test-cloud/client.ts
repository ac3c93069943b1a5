// The test-only provider's client: the common provider interface over the double's JSON
// API. What the cloud does not offer is refused with the provider error for bad requests.
import { Readable } from 'node:stream';
import { ProviderError } from '../../../src/providers/errors.js';
import type {
  CreateInstanceRequest,
  InstanceProvider,
  ProviderBackup,
  ProviderInstance,
} from '../../../src/providers/provider.js';
import type { CloudBackup, CloudInstance } from './double.js';

export class TestCloudClient implements InstanceProvider {
  constructor(private readonly account: { url: string; apiKey: string }) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.account.url}${path}`, {
      method,
      headers: { 'x-api-key': this.account.apiKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.ok) return response;
    const kind = response.status === 404 ? 'not_found' : response.status === 401 ? 'unauthorized' : 'unavailable';
    throw new ProviderError(kind, `${method} ${path}: HTTP ${response.status}`, { status: response.status });
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.call(method, path, body)).json()) as T;
  }

  /** A rejected promise, as every call of the interface fails asynchronously. */
  private unsupported(what: string): Promise<never> {
    return Promise.reject(new ProviderError('invalid_input', `The test cloud cannot ${what}`));
  }

  async createInstance(request: CreateInstanceRequest) {
    return toInstance(
      await this.json<CloudInstance>('POST', '/instances', {
        name: request.name,
        database: request.database,
        version: request.version,
      }),
    );
  }
  async getInstance(instanceId: string) {
    return toInstance(await this.json<CloudInstance>('GET', `/instances/${instanceId}`));
  }
  async listInstances() {
    return {
      items: (await this.json<{ items: CloudInstance[] }>('GET', '/instances')).items.map(toInstance),
      nextCursor: null,
    };
  }
  async updateInstance(instanceId: string) {
    return this.getInstance(instanceId);
  }
  async deleteInstance(instanceId: string) {
    return toInstance(await this.json<CloudInstance>('DELETE', `/instances/${instanceId}`));
  }
  suspendInstance(): Promise<ProviderInstance> {
    return this.unsupported('suspend instances');
  }
  resumeInstance(): Promise<ProviderInstance> {
    return this.unsupported('resume instances');
  }

  async createBackup(instanceId: string) {
    return toBackup(await this.json<CloudBackup>('POST', `/instances/${instanceId}/backups`));
  }
  async listBackups() {
    return { items: [], nextCursor: null };
  }
  async getBackup(instanceId: string, backupId: string) {
    return toBackup(await this.json<CloudBackup>('GET', `/instances/${instanceId}/backups/${backupId}`));
  }
  restoreBackup(): Promise<{ restoreId: string; status: string }> {
    return this.unsupported('restore backups');
  }
  getBackupDownloadUrl(): Promise<{ url: string; expiresAt: Date }> {
    return this.unsupported('issue download URLs');
  }
  async downloadBackup(instanceId: string, backupId: string) {
    const response = await this.call('GET', `/instances/${instanceId}/backups/${backupId}/file`);
    return Readable.from(Buffer.from(await response.arrayBuffer()));
  }

  triggerDeployment(): Promise<never> {
    return this.unsupported('deploy');
  }
  getDeployment(): Promise<never> {
    return this.unsupported('deploy');
  }
  async listDeployments() {
    return { items: [], nextCursor: null };
  }

  async getHealth(instanceId: string) {
    const started = Date.now();
    const { up } = await this.json<{ up: boolean }>('GET', `/instances/${instanceId}/health`);
    return {
      status: up ? ('healthy' as const) : ('down' as const),
      responseTimeMs: Date.now() - started,
      checkedAt: new Date(),
      checks: { http: up ? ('ok' as const) : ('fail' as const) },
    };
  }
  async getMetrics() {
    return [];
  }
  async getLogs() {
    return { items: [], nextCursor: null };
  }
}

function toInstance(instance: CloudInstance): ProviderInstance {
  const createdAt = new Date(instance.createdAt);
  return {
    id: instance.id,
    name: instance.name,
    url: `https://${instance.name}.test-cloud.invalid`,
    database: instance.database,
    version: instance.version,
    subscriptionId: null,
    subscriptionTier: 'starter',
    status: instance.status,
    gitRepositoryUrl: null,
    gitBranch: 'master',
    createdAt,
    updatedAt: createdAt,
  };
}

function toBackup(backup: CloudBackup): ProviderBackup {
  const createdAt = new Date(backup.createdAt);
  const completed = backup.status === 'completed';
  return {
    id: backup.id,
    instanceId: backup.instanceId,
    type: 'manual',
    status: backup.status,
    sizeBytes: null,
    createdAt,
    completedAt: completed ? createdAt : null,
    expiresAt: null,
  };
}
