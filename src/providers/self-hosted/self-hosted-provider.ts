// A self-hosted Odoo server as a provider: an instance is one database on the server.
// Databases are created, duplicated, dropped, backed up and restored through Odoo's
// database service and HTTP database manager; health, metrics and logs come from
// what Odoo itself exposes. Odoo has no "suspend": suspension deactivates the
// database's internal users (except the administrator the fleet uses) and resumption
// reactivates exactly those users.
import { randomUUID } from 'node:crypto';
import { addonZip } from '../../odoo/addon-zip.js';
import { modules as odooModules, OdooClient, orm, type LongCallTimeouts, type ModelCalls } from '../../odoo/client.js';
import { restoreFromStream, streamBackup } from '../../odoo/database-manager.js';
import { OdooError, OdooTimeoutError } from '../../odoo/errors.js';
import { ProviderError } from '../errors.js';
import { sampleOdooMetrics } from './odoo-metrics.js';
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

export interface SelfHostedServer {
  url: string;
  masterPassword: string;
  adminLogin: string;
  adminPassword: string;
}

const SUSPENDED_USERS_PARAMETER = 'odoo_fleet.suspended_user_ids';
/** holds the key of the fleet operation that created the database */
const CREATED_BY_PARAMETER = 'odoo_fleet.created_by_operation';

/** Odoo's faults and transport failures, as the provider interface's typed errors. */
export function providerErrorFrom(error: unknown, what: string): never {
  if (error instanceof ProviderError) throw error;
  if (!(error instanceof OdooError)) throw error;
  const kind =
    error.kind === 'access_denied' || error.kind === 'access_rights'
      ? 'unauthorized'
      : error.kind === 'unavailable'
        ? 'unavailable'
        : /already exists/i.test(error.message)
          ? 'conflict'
          : /does not exist/i.test(error.message)
            ? 'not_found'
            : error.kind === 'user_error' || error.kind === 'missing_model' || error.kind === 'unsupported' || error.kind === 'refused'
              ? 'invalid_input'
              : 'unavailable';
  throw new ProviderError(kind, `${what}: ${error.message}`, { code: error instanceof OdooTimeoutError ? 'timeout' : error.kind });
}

export class SelfHostedProvider implements InstanceProvider {
  private readonly client: OdooClient;
  private readonly databaseWaitMs: number;

  constructor(
    private readonly server: SelfHostedServer,
    options: { timeoutMs?: number; long?: Partial<LongCallTimeouts> } = {},
  ) {
    this.client = new OdooClient(server.url, options);
    this.databaseWaitMs = options.long?.databasesMs ?? 900_000;
  }

  private admin(database: string): ModelCalls {
    return this.client.models({ database, login: this.server.adminLogin, password: this.server.adminPassword });
  }

  private async guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      return providerErrorFrom(error, what);
    }
  }

  private async describe(database: string, status?: ProviderInstance['status']): Promise<ProviderInstance> {
    const version = await this.client.detectVersion();
    const suspended = status ?? ((await this.admin(database).execute('ir.config_parameter', 'get_param', [SUSPENDED_USERS_PARAMETER])) ? 'suspended' : 'running');
    const now = new Date();
    return {
      id: database,
      name: database,
      url: `${this.server.url.replace(/\/$/, '')}/web?db=${encodeURIComponent(database)}`,
      database,
      version: version.serverSerie,
      subscriptionId: null,
      // A self-hosted server has no subscription: the tier is kept by the fleet only.
      subscriptionTier: 'starter',
      status: suspended,
      gitRepositoryUrl: null,
      gitBranch: 'master',
      createdAt: now,
      updatedAt: now,
    };
  }

  private async existing(database: string): Promise<void> {
    if (!(await this.client.databaseExists(database))) throw new ProviderError('not_found', `No database "${database}" on ${this.server.url}`);
  }

  // ------------------------------------------------------------------ instances

  /**
   * Creates the database and marks it with the creating operation's key: a repeated
   * step finds its own mark and goes on, while a database that exists without that mark
   * (someone else's, or one whose marking was lost) is never taken over.
   */
  createInstance(request: CreateInstanceRequest, options: StartOptions = {}) {
    const mark = options.idempotencyKey ?? randomUUID();
    return this.guard(`create ${request.database}`, async () => {
      if (await this.client.databaseExists(request.database)) {
        if ((await this.markOf(request.database)) === mark) return this.describe(request.database, 'running');
        throw new ProviderError(
          'conflict',
          `A database "${request.database}" already exists on ${this.server.url} and was not created by this fleet operation; it is never taken over (drop it or choose another database name)`,
        );
      }
      try {
        await this.client.createDatabase(this.server.masterPassword, {
          name: request.database,
          adminLogin: this.server.adminLogin,
          adminPassword: this.server.adminPassword,
        });
      } catch (error) {
        // Odoo may still be building the database we asked for: wait for it rather than ask again.
        if (!(error instanceof OdooTimeoutError)) throw error;
        await this.untilReady(request.database);
      }
      await this.admin(request.database).execute('ir.config_parameter', 'set_param', [CREATED_BY_PARAMETER, mark]);
      return this.describe(request.database, 'running');
    });
  }

  /** Waits until a database this call asked for exists and takes the fleet's login. */
  private async untilReady(database: string): Promise<void> {
    const deadline = Date.now() + this.databaseWaitMs;
    for (;;) {
      const ready = (await this.client.databaseExists(database)) && (await this.client.authenticate({ database, login: this.server.adminLogin, password: this.server.adminPassword }).catch(() => null)) !== null;
      if (ready) return;
      if (Date.now() > deadline) throw new ProviderError('unavailable', `The database "${database}" was still not ready on ${this.server.url}`, { code: 'timeout' });
      // About twenty looks within the bound, never more often than needed.
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, Math.max(50, this.databaseWaitMs / 20))));
    }
  }

  /** The creation mark of a database, or null when it has none or refuses the fleet's login. */
  private async markOf(database: string): Promise<string | null> {
    try {
      const value = await this.admin(database).execute('ir.config_parameter', 'get_param', [CREATED_BY_PARAMETER]);
      return typeof value === 'string' ? value : null;
    } catch (error) {
      if (error instanceof OdooError && error.kind !== 'unavailable') return null;
      throw error;
    }
  }

  getInstance(instanceId: string) {
    return this.guard(`get ${instanceId}`, async () => {
      await this.existing(instanceId);
      return this.describe(instanceId);
    });
  }

  listInstances(page?: PageRequest): Promise<Page<ProviderInstance>> {
    return this.guard('list databases', async () => {
      const names = await this.client.listDatabases();
      const offset = page?.cursor ? Number(page.cursor) : 0;
      const limit = page?.limit ?? 50;
      const slice = names.slice(offset, offset + limit);
      return {
        items: await Promise.all(slice.map((name) => this.describe(name))),
        nextCursor: offset + limit < names.length ? String(offset + limit) : null,
      };
    });
  }

  updateInstance(instanceId: string, patch: { name?: string }) {
    return this.guard(`update ${instanceId}`, async () => {
      await this.existing(instanceId);
      if (patch.name && patch.name !== instanceId) {
        await this.client.renameDatabase(this.server.masterPassword, instanceId, patch.name);
        return this.describe(patch.name);
      }
      return this.describe(instanceId);
    });
  }

  deleteInstance(instanceId: string) {
    return this.guard(`delete ${instanceId}`, async () => {
      const described = await this.getInstance(instanceId);
      if (!(await this.client.dropDatabase(this.server.masterPassword, instanceId))) {
        throw new ProviderError('not_found', `No database "${instanceId}" on ${this.server.url}`);
      }
      return { ...described, status: 'deleting' as const };
    });
  }

  suspendInstance(instanceId: string) {
    return this.guard(`suspend ${instanceId}`, async () => {
      const calls = this.admin(instanceId);
      if (await calls.execute('ir.config_parameter', 'get_param', [SUSPENDED_USERS_PARAMETER])) return this.describe(instanceId, 'suspended');
      const adminId = await this.client.authenticate({ database: instanceId, login: this.server.adminLogin, password: this.server.adminPassword });
      const users = (await orm.search(calls, 'res.users', [['share', '=', false], ['active', '=', true], ['id', '!=', adminId]])) as number[];
      // Remember first, then revoke: an interrupted suspension can be resumed.
      await calls.execute('ir.config_parameter', 'set_param', [SUSPENDED_USERS_PARAMETER, JSON.stringify(users)]);
      if (users.length) await orm.write(calls, 'res.users', users, { active: false });
      return this.describe(instanceId, 'suspended');
    });
  }

  resumeInstance(instanceId: string) {
    return this.guard(`resume ${instanceId}`, async () => {
      const calls = this.admin(instanceId);
      const saved = await calls.execute('ir.config_parameter', 'get_param', [SUSPENDED_USERS_PARAMETER]);
      if (!saved) return this.describe(instanceId, 'running');
      const users = JSON.parse(String(saved)) as number[];
      if (users.length) await orm.write(calls, 'res.users', users, { active: true });
      await calls.execute('ir.config_parameter', 'set_param', [SUSPENDED_USERS_PARAMETER, false]);
      return this.describe(instanceId, 'running');
    });
  }

  // ------------------------------------------------------------------ backups
  // Odoo keeps no backups: a backup of a self-hosted instance is the dump Odoo streams
  // when it is downloaded, and the fleet's storage keeps the copy that restores use.

  createBackup(instanceId: string) {
    return this.guard(`back up ${instanceId}`, async () => {
      await this.existing(instanceId);
      const now = new Date();
      return { id: `${instanceId}@${now.toISOString()}`, instanceId, type: 'manual' as const, status: 'completed' as const, sizeBytes: null, createdAt: now, completedAt: now, expiresAt: null };
    });
  }

  async listBackups(): Promise<Page<ProviderBackup>> {
    return { items: [], nextCursor: null };
  }

  async getBackup(instanceId: string, backupId: string): Promise<ProviderBackup> {
    const taken = backupId.startsWith(`${instanceId}@`) ? new Date(backupId.slice(instanceId.length + 1)) : null;
    if (!taken || Number.isNaN(taken.getTime())) throw new ProviderError('not_found', `No backup ${backupId} of ${instanceId}`);
    return { id: backupId, instanceId, type: 'manual', status: 'completed', sizeBytes: null, createdAt: taken, completedAt: taken, expiresAt: null };
  }

  /** Every backup of a self-hosted instance is a fresh dump: the id only names it. */
  downloadBackup(instanceId: string, _backupId?: string) {
    return this.guard(`download a backup of ${instanceId}`, () =>
      streamBackup(this.server.url, { masterPassword: this.server.masterPassword, database: instanceId, format: 'zip' }),
    );
  }

  async restoreBackup(): Promise<{ restoreId: string; status: string }> {
    throw new ProviderError('invalid_input', 'A self-hosted instance is restored from the stored file (restoreBackupFile)');
  }

  /**
   * Restores into a new database beside the target, then swaps it in: the target is
   * dropped only once the restored copy exists, so a failed restore loses nothing.
   */
  restoreBackupFile(targetInstanceId: string, file: AsyncIterable<Uint8Array>, options: { neutralize?: boolean } = {}) {
    return this.guard(`restore into ${targetInstanceId}`, async () => {
      const staging = `${targetInstanceId}--restoring`;
      const neutral = `${targetInstanceId}--neutral`;
      await this.client.dropDatabase(this.server.masterPassword, staging);
      try {
        await restoreFromStream(this.server.url, { masterPassword: this.server.masterPassword, database: staging, backup: file, copy: true });
      } catch (error) {
        // Odoo leaves an empty database behind a failed restore: nothing may stay of it.
        await this.client.dropDatabase(this.server.masterPassword, staging).catch(() => false);
        throw error;
      }
      let ready = staging;
      if (options.neutralize) {
        // Odoo neutralizes a database while duplicating it (mail servers, crons, payment providers off).
        if ((await this.client.detectVersion()).major < 17) throw new ProviderError('invalid_input', 'Odoo neutralizes databases from version 17 on');
        await this.client.dropDatabase(this.server.masterPassword, neutral);
        await this.client.duplicateDatabase(this.server.masterPassword, staging, neutral, true);
        await this.client.dropDatabase(this.server.masterPassword, staging);
        ready = neutral;
      }
      await this.client.dropDatabase(this.server.masterPassword, targetInstanceId);
      await this.client.renameDatabase(this.server.masterPassword, ready, targetInstanceId);
    });
  }

  async getBackupDownloadUrl(): Promise<{ url: string; expiresAt: Date }> {
    // The file is in the fleet's own storage: the API server issues signed, expiring URLs for it.
    throw new ProviderError('invalid_input', 'Self-hosted backups are downloaded from the API server, not from Odoo');
  }

  // ------------------------------------------------------------------ deployments

  async triggerDeployment(): Promise<ProviderDeployment> {
    throw new ProviderError('invalid_input', 'A self-hosted server deploys by installing modules over XML-RPC, not from a branch');
  }
  async getDeployment(instanceId: string, deploymentId: string): Promise<ProviderDeployment> {
    throw new ProviderError('not_found', `No deployment ${deploymentId} of ${instanceId}`);
  }
  async listDeployments(): Promise<Page<ProviderDeployment>> {
    return { items: [], nextCursor: null };
  }

  /** The XML-RPC path for deployments: refresh the module list, then install or upgrade. */
  installModules(instanceId: string, names: string[]) {
    return this.guard(`install modules on ${instanceId}`, async () => {
      const calls = this.admin(instanceId);
      await odooModules.updateList(calls);
      const states = await odooModules.states(calls, names);
      const missing = names.filter((name) => !states.some((state) => state.name === name));
      if (missing.length) throw new ProviderError('invalid_input', `Unknown modules on ${instanceId}: ${missing.join(', ')}`);
      const toInstall = states.filter((state) => state.state === 'uninstalled').map((state) => state.id);
      const toUpgrade = states.filter((state) => state.state === 'installed').map((state) => state.id);
      if (toInstall.length) await odooModules.install(calls, toInstall);
      if (toUpgrade.length) await odooModules.upgrade(calls, toUpgrade);
      return odooModules.states(calls, names);
    });
  }

  importAddons(instanceId: string, files: ReadonlyArray<{ path: string; content: string }>) {
    return this.guard(`import addons into ${instanceId}`, async () => {
      const calls = this.admin(instanceId);
      const [importer] = await odooModules.states(calls, ['base_import_module']);
      if (!importer || importer.state === 'uninstallable') {
        throw new ProviderError('invalid_input', `${this.server.url} has no base_import_module (Odoo 16 and later) to import addons with`);
      }
      if (importer.state !== 'installed') await odooModules.install(calls, [importer.id]);
      const wizard = await orm.create(calls, 'base.import.module', { module_file: addonZip(files).toString('base64'), force: true });
      await calls.execute('base.import.module', 'import_module', [[wizard]]);
      return odooModules.states(calls, [...new Set(files.map((file) => file.path.split('/')[0]!))]);
    });
  }

  /** The modules' states as Odoo has them now ('to install' while an install still runs). */
  moduleStates(instanceId: string, names: string[]) {
    return this.guard(`read modules of ${instanceId}`, () => odooModules.states(this.admin(instanceId), names));
  }

  // ------------------------------------------------------------------ observability

  /** Healthy: the server answers and the fleet's login works; degraded: only the server answers. */
  async getHealth(instanceId: string): Promise<ProviderHealth> {
    const started = performance.now();
    const checkedAt = new Date();
    try {
      await this.client.version();
    } catch {
      return { status: 'down', responseTimeMs: null, checkedAt, checks: { http: 'fail', database: 'fail' } };
    }
    const responseTimeMs = Math.round(performance.now() - started);
    try {
      await orm.searchCount(this.admin(instanceId), 'res.users', [['share', '=', false]]);
      return { status: 'healthy', responseTimeMs, checkedAt, checks: { http: 'ok', database: 'ok' } };
    } catch {
      return { status: 'degraded', responseTimeMs, checkedAt, checks: { http: 'ok', database: 'fail' } };
    }
  }

  /** Odoo keeps no metric history: one sample of what it exposes, taken now. */
  getMetrics(instanceId: string): Promise<ProviderMetric[]> {
    return this.guard(`metrics of ${instanceId}`, async () => [await sampleOdooMetrics(this.client, this.admin(instanceId))]);
  }

  /** From ir.logging, which Odoo fills when the server runs with log_db. */
  getLogs(instanceId: string, query: { since?: Date; level?: ProviderLogLevel } & PageRequest): Promise<Page<ProviderLogEntry>> {
    return this.guard(`logs of ${instanceId}`, async () => {
      const levels: ProviderLogLevel[] = ['debug', 'info', 'warning', 'error', 'critical'];
      const wanted = query.level ? levels.slice(levels.indexOf(query.level)).map((level) => level.toUpperCase()) : undefined;
      const domain: Array<[string, string, unknown]> = [['type', '=', 'server']];
      if (query.since) domain.push(['create_date', '>=', query.since.toISOString().replace('T', ' ').slice(0, 19)]);
      if (wanted) domain.push(['level', 'in', wanted]);
      const offset = query.cursor ? Number(query.cursor) : 0;
      const limit = query.limit ?? 100;
      // ir.logging keeps whole seconds: the id orders the lines of one second.
      const rows = await orm.searchRead(this.admin(instanceId), 'ir.logging', domain, ['create_date', 'level', 'name', 'message'], { offset, limit: limit + 1, order: 'create_date asc, id asc' });
      return {
        items: rows.slice(0, limit).map((row) => ({
          id: String(row.id),
          timestamp: new Date(`${String(row.create_date).replace(' ', 'T')}Z`),
          level: String(row.level).toLowerCase() as ProviderLogLevel,
          logger: String(row.name),
          message: String(row.message),
        })),
        nextCursor: rows.length > limit ? String(offset + limit) : null,
      };
    });
  }
}

