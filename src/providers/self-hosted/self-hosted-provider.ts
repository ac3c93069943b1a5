// A self-hosted Odoo server as a provider: an instance is one database on the server.
// Databases are created, duplicated, dropped, backed up and restored through Odoo's
// HTTP database manager (every version has it); models are called over XML-RPC up to
// Odoo 18 and JSON-2 from 19 on (src/odoo/client.ts); health, metrics and logs come
// from what Odoo itself exposes. Odoo has no "suspend": suspension deactivates the
// database's internal users (except the administrator the fleet uses) and resumption
// reactivates exactly those users.
import { randomUUID } from 'node:crypto';
import { addonZip } from '../../odoo/addon-zip.js';
import { createApiKey } from '../../odoo/api-keys.js';
import {
  modules as odooModules,
  OdooClient,
  orm,
  type LongCallTimeouts,
  type ModelCalls,
  type OdooVersionCache,
  FIRST_JSON2_MAJOR,
} from '../../odoo/client.js';
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
  /** the admin's API key (Odoo 19+), supplied by the user or made by an earlier call */
  apiKey?: string | null;
}

export interface SelfHostedOptions {
  timeoutMs?: number;
  long?: Partial<LongCallTimeouts>;
  /** server versions known in this process */
  versions?: OdooVersionCache;
  /** keeps an API key this provider made for the admin, so the next call finds it */
  onApiKeyCreated?: (apiKey: string) => Promise<void>;
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
            : error.kind === 'user_error' ||
                error.kind === 'missing_model' ||
                error.kind === 'unsupported' ||
                error.kind === 'refused'
              ? 'invalid_input'
              : 'unavailable';
  throw new ProviderError(kind, `${what}: ${error.message}`, {
    code: error instanceof OdooTimeoutError ? 'timeout' : error.kind,
  });
}

export class SelfHostedProvider implements InstanceProvider {
  private readonly client: OdooClient;
  private readonly databaseWaitMs: number;
  private apiKey: Promise<string | null> | undefined;

  constructor(
    private readonly server: SelfHostedServer,
    private readonly options: SelfHostedOptions = {},
  ) {
    this.client = new OdooClient(server.url, options);
    this.databaseWaitMs = options.long?.databasesMs ?? 900_000;
    if (server.apiKey) this.apiKey = Promise.resolve(server.apiKey);
  }

  /**
   * Model calls as the fleet's admin. On a server that speaks JSON-2 (Odoo 19+) they go
   * with the admin's API key; when only the password is known, a key is made from it
   * (and kept through `onApiKeyCreated`), and made anew once if the server refuses the
   * one it has (a restore brings another database's keys).
   */
  private admin(database: string): ModelCalls {
    const password = { database, login: this.server.adminLogin, password: this.server.adminPassword };
    const json2 = async () => (await this.client.detectVersion()).major >= FIRST_JSON2_MAJOR;
    // One set of calls per credential, so an XML-RPC login happens once, not per call.
    let withPassword: ModelCalls | undefined;
    const withKey = new Map<string, ModelCalls>();
    const overKey = (apiKey: string) => {
      const calls = withKey.get(apiKey) ?? this.client.models({ ...password, apiKey });
      withKey.set(apiKey, calls);
      return calls;
    };
    return {
      execute: async (model, method, args, kwargs) => {
        if (!(await json2()))
          return (withPassword ??= this.client.models(password)).execute(model, method, args, kwargs);
        const first = await this.keyFor(database, false);
        try {
          return await overKey(first).execute(model, method, args, kwargs);
        } catch (error) {
          if (!(error instanceof OdooError && error.kind === 'access_denied')) throw error;
          const renewed = await this.keyFor(database, true, first);
          if (renewed === first) throw error;
          return overKey(renewed).execute(model, method, args, kwargs);
        }
      },
    };
  }

  /** The admin's API key, made from the password when none is known (or `renew`ing a refused one). */
  private keyFor(database: string, renew: boolean, refused?: string): Promise<string> {
    const current = this.apiKey;
    if (current && !renew) {
      return current.then((key) => key ?? this.keyFor(database, true));
    }
    const made = (async () => {
      // Another call may have renewed the refused key meanwhile.
      const known = await current?.catch(() => null);
      if (renew && known && known !== refused) return known;
      const key = await createApiKey(
        this.server.url,
        { database, login: this.server.adminLogin, password: this.server.adminPassword, description: 'Odoo Fleet API' },
        this.options.timeoutMs,
      );
      await this.options.onApiKeyCreated?.(key);
      return key;
    })();
    this.apiKey = made.catch((error: unknown) => {
      this.apiKey = current;
      throw error;
    });
    return made;
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
    const suspended =
      status ??
      ((await this.admin(database).execute('ir.config_parameter', 'get_param', [SUSPENDED_USERS_PARAMETER]))
        ? 'suspended'
        : 'running');
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
    if (!(await this.client.databaseExists(database)))
      throw new ProviderError('not_found', `No database "${database}" on ${this.server.url}`);
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
      const ready =
        (await this.client.databaseExists(database)) && (await this.adminId(database).catch(() => null)) !== null;
      if (ready) return;
      if (Date.now() > deadline)
        throw new ProviderError('unavailable', `The database "${database}" was still not ready on ${this.server.url}`, {
          code: 'timeout',
        });
      // About twenty looks within the bound, never more often than needed.
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, Math.max(50, this.databaseWaitMs / 20))));
    }
  }

  /** The user id of the fleet's admin in a database (over either transport). */
  private async adminId(database: string): Promise<number> {
    const context = (await this.admin(database).execute('res.users', 'context_get', [])) as { uid?: unknown };
    return Number(context.uid);
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
      if (await calls.execute('ir.config_parameter', 'get_param', [SUSPENDED_USERS_PARAMETER]))
        return this.describe(instanceId, 'suspended');
      const adminId = await this.adminId(instanceId);
      const users = (await orm.search(calls, 'res.users', [
        ['share', '=', false],
        ['active', '=', true],
        ['id', '!=', adminId],
      ])) as number[];
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
      return {
        id: `${instanceId}@${now.toISOString()}`,
        instanceId,
        type: 'manual' as const,
        status: 'completed' as const,
        sizeBytes: null,
        createdAt: now,
        completedAt: now,
        expiresAt: null,
      };
    });
  }

  async listBackups(): Promise<Page<ProviderBackup>> {
    return { items: [], nextCursor: null };
  }

  async getBackup(instanceId: string, backupId: string): Promise<ProviderBackup> {
    const taken = backupId.startsWith(`${instanceId}@`) ? new Date(backupId.slice(instanceId.length + 1)) : null;
    if (!taken || Number.isNaN(taken.getTime()))
      throw new ProviderError('not_found', `No backup ${backupId} of ${instanceId}`);
    return {
      id: backupId,
      instanceId,
      type: 'manual',
      status: 'completed',
      sizeBytes: null,
      createdAt: taken,
      completedAt: taken,
      expiresAt: null,
    };
  }

  /** Every backup of a self-hosted instance is a fresh dump: the id only names it. */
  downloadBackup(instanceId: string, _backupId?: string) {
    return this.guard(`download a backup of ${instanceId}`, () =>
      streamBackup(this.server.url, {
        masterPassword: this.server.masterPassword,
        database: instanceId,
        format: 'zip',
      }),
    );
  }

  async restoreBackup(): Promise<{ restoreId: string; status: string }> {
    throw new ProviderError(
      'invalid_input',
      'A self-hosted instance is restored from the stored file (restoreBackupFile)',
    );
  }

  /**
   * Restores into a new database beside the target, then swaps it in: the target is
   * dropped only once the restored copy exists, so a failed restore loses nothing.
   */
  restoreBackupFile(targetInstanceId: string, file: AsyncIterable<Uint8Array>, options: { neutralize?: boolean } = {}) {
    return this.guard(`restore into ${targetInstanceId}`, async () => {
      const staging = `${targetInstanceId}--restoring`;
      if (options.neutralize && (await this.client.detectVersion()).major < 17)
        throw new ProviderError('invalid_input', 'Odoo neutralizes databases from version 17 on');
      await this.client.dropDatabase(this.server.masterPassword, staging);
      try {
        await restoreFromStream(this.server.url, {
          masterPassword: this.server.masterPassword,
          database: staging,
          backup: file,
          copy: true,
        });
      } catch (error) {
        // Odoo leaves an empty database behind a failed restore: nothing may stay of it.
        await this.client.dropDatabase(this.server.masterPassword, staging).catch(() => false);
        throw error;
      }
      // The manager has no rename: the restored copy is duplicated into place, neutralized
      // on request (Odoo neutralizes while duplicating), and the staging copy dropped.
      await this.client.dropDatabase(this.server.masterPassword, targetInstanceId);
      await this.client.duplicateDatabase(
        this.server.masterPassword,
        staging,
        targetInstanceId,
        options.neutralize ?? false,
      );
      await this.client.dropDatabase(this.server.masterPassword, staging);
    });
  }

  async getBackupDownloadUrl(): Promise<{ url: string; expiresAt: Date }> {
    // The file is in the fleet's own storage: the API server issues signed, expiring URLs for it.
    throw new ProviderError('invalid_input', 'Self-hosted backups are downloaded from the API server, not from Odoo');
  }

  // ------------------------------------------------------------------ deployments

  async triggerDeployment(): Promise<ProviderDeployment> {
    throw new ProviderError(
      'invalid_input',
      'A self-hosted server deploys by installing modules over XML-RPC, not from a branch',
    );
  }
  async getDeployment(instanceId: string, deploymentId: string): Promise<ProviderDeployment> {
    throw new ProviderError('not_found', `No deployment ${deploymentId} of ${instanceId}`);
  }
  async listDeployments(): Promise<Page<ProviderDeployment>> {
    return { items: [], nextCursor: null };
  }

  /** Deployments over RPC (XML-RPC or JSON-2): refresh the module list, then install or upgrade. */
  installModules(instanceId: string, names: string[]) {
    return this.guard(`install modules on ${instanceId}`, async () => {
      const calls = this.admin(instanceId);
      await odooModules.updateList(calls);
      const states = await odooModules.states(calls, names);
      const missing = names.filter((name) => !states.some((state) => state.name === name));
      if (missing.length)
        throw new ProviderError('invalid_input', `Unknown modules on ${instanceId}: ${missing.join(', ')}`);
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
        throw new ProviderError(
          'invalid_input',
          `${this.server.url} has no base_import_module (Odoo 16 and later) to import addons with`,
        );
      }
      if (importer.state !== 'installed') await odooModules.install(calls, [importer.id]);
      const wizard = await orm.create(calls, 'base.import.module', {
        module_file: addonZip(files).toString('base64'),
        force: true,
      });
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
    return this.guard(`metrics of ${instanceId}`, async () => [
      await sampleOdooMetrics(this.client, this.admin(instanceId)),
    ]);
  }

  /** From ir.logging, which Odoo fills when the server runs with log_db. */
  getLogs(
    instanceId: string,
    query: { since?: Date; level?: ProviderLogLevel } & PageRequest,
  ): Promise<Page<ProviderLogEntry>> {
    return this.guard(`logs of ${instanceId}`, async () => {
      const levels: ProviderLogLevel[] = ['debug', 'info', 'warning', 'error', 'critical'];
      const wanted = query.level
        ? levels.slice(levels.indexOf(query.level)).map((level) => level.toUpperCase())
        : undefined;
      const domain: Array<[string, string, unknown]> = [['type', '=', 'server']];
      if (query.since) domain.push(['create_date', '>=', query.since.toISOString().replace('T', ' ').slice(0, 19)]);
      if (wanted) domain.push(['level', 'in', wanted]);
      const offset = query.cursor ? Number(query.cursor) : 0;
      const limit = query.limit ?? 100;
      // ir.logging keeps whole seconds: the id orders the lines of one second.
      const rows = await orm.searchRead(
        this.admin(instanceId),
        'ir.logging',
        domain,
        ['create_date', 'level', 'name', 'message'],
        { offset, limit: limit + 1, order: 'create_date asc, id asc' },
      );
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
