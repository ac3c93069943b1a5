// A client for one Odoo server: common (version, authenticate), model calls
// (execute_kw) and the database service, over XML-RPC. Model calls go through the
// `ModelCalls` seam so a JSON-2 transport (/json/2/<model>/<method>, Odoo 19+) can be
// added beside XML-RPC without changing callers; the db service exists only up to
// Odoo 19 (removed in 20), which `version()` tells before any db call is made.
import { OdooError } from './errors.js';
import { createXmlRpcCaller, type XmlRpcCaller } from './xmlrpc-transport.js';

export interface OdooVersion {
  serverVersion: string;
  serverSerie: string;
  major: number;
  protocolVersion: number;
}

/** Who calls models: a database and a login. */
export interface OdooCredentials {
  database: string;
  login: string;
  password: string;
}

export type Domain = Array<[string, string, unknown] | '&' | '|' | '!'>;

/** How a model method reaches the server: XML-RPC today, JSON-2 later. */
export interface ModelCalls {
  execute(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<unknown>;
}

/** The last Odoo major version with the /xmlrpc/2/db service. */
export const LAST_DB_SERVICE_MAJOR = 19;

/** Bounds of the calls a server takes long over, apart from the default bound of a call. */
export interface LongCallTimeouts {
  /** module install, upgrade and uninstall */
  modulesMs: number;
  /** database create, duplicate, restore, dump */
  databasesMs: number;
}

export const DEFAULT_LONG_TIMEOUTS: LongCallTimeouts = { modulesMs: 600_000, databasesMs: 900_000 };

/** db-service methods that copy or build a whole database. */
const DATABASE_WORK = new Set(['create_database', 'duplicate_database', 'restore', 'dump']);

export interface ModuleState {
  id: number;
  name: string;
  state: string;
  latestVersion: string | false;
}

export class OdooClient {
  private readonly call: XmlRpcCaller;
  private detected: Promise<OdooVersion> | undefined;

  private readonly longTimeouts: LongCallTimeouts;

  constructor(readonly baseUrl: string, options: { timeoutMs?: number; long?: Partial<LongCallTimeouts> } = {}) {
    this.call = createXmlRpcCaller({ baseUrl, timeoutMs: options.timeoutMs });
    this.longTimeouts = { ...DEFAULT_LONG_TIMEOUTS, ...options.long };
  }

  // ------------------------------------------------------------------ common

  async version(): Promise<OdooVersion> {
    const raw = (await this.call('common', 'version', [])) as Record<string, unknown>;
    const info = Array.isArray(raw.server_version_info) ? raw.server_version_info : [];
    return {
      serverVersion: String(raw.server_version),
      serverSerie: String(raw.server_serie),
      major: Number(info[0] ?? String(raw.server_serie).split('.')[0]),
      protocolVersion: Number(raw.protocol_version ?? 1),
    };
  }

  /** The server's version, asked once per client. */
  detectVersion(): Promise<OdooVersion> {
    this.detected ??= this.version().catch((error: unknown) => {
      this.detected = undefined;
      throw error;
    });
    return this.detected;
  }

  /** The user id, or null for a wrong login or password (Odoo answers False, not a fault). */
  async authenticate(credentials: OdooCredentials): Promise<number | null> {
    const uid = await this.call('common', 'authenticate', [credentials.database, credentials.login, credentials.password, {}]);
    return typeof uid === 'number' && uid > 0 ? uid : null;
  }

  async about(extended = false): Promise<unknown> {
    return this.call('common', 'about', [extended]);
  }

  // ------------------------------------------------------------------ models

  /** Model calls as an authenticated user; authentication happens once, on first use. */
  models(credentials: OdooCredentials): ModelCalls {
    let uid: Promise<number> | undefined;
    const login = async () => {
      const id = await this.authenticate(credentials);
      if (id === null) throw new OdooError('access_denied', `Odoo refused the login "${credentials.login}" on ${credentials.database}`, 3);
      return id;
    };
    return {
      execute: async (model, method, args, kwargs = {}) => {
        uid ??= login().catch((error: unknown) => {
          uid = undefined;
          throw error;
        });
        // Installing or upgrading modules reloads the registry: minutes on a real server.
        const long = (model === 'ir.module.module' && method.startsWith('button_immediate_')) || (model === 'base.import.module' && method === 'import_module') ? this.longTimeouts.modulesMs : undefined;
        return this.call('object', 'execute_kw', [credentials.database, await uid, credentials.password, model, method, args, kwargs], long);
      },
    };
  }

  // ------------------------------------------------------------------ db (up to Odoo 19)

  private async db(method: string, params: unknown[]): Promise<unknown> {
    const version = await this.detectVersion();
    if (version.major > LAST_DB_SERVICE_MAJOR) {
      throw new OdooError('unsupported', `Odoo ${version.serverSerie} has no database service (removed in Odoo 20)`);
    }
    const long = DATABASE_WORK.has(method) ? this.longTimeouts.databasesMs : undefined;
    return this.call('db', method, params, long);
  }

  async listDatabases(): Promise<string[]> {
    return (await this.db('list', [])) as string[];
  }
  async databaseExists(name: string): Promise<boolean> {
    return Boolean(await this.db('db_exist', [name]));
  }
  async listLanguages(): Promise<Array<[string, string]>> {
    return (await this.db('list_lang', [])) as Array<[string, string]>;
  }
  async serverVersion(): Promise<string> {
    return String(await this.db('server_version', []));
  }
  async listCountries(masterPassword: string): Promise<Array<[string, string]>> {
    return (await this.db('list_countries', [masterPassword])) as Array<[string, string]>;
  }
  async createDatabase(
    masterPassword: string,
    request: { name: string; demo?: boolean; lang?: string; adminPassword: string; adminLogin?: string; countryCode?: string | false },
  ): Promise<void> {
    await this.db('create_database', [
      masterPassword,
      request.name,
      request.demo ?? false,
      request.lang ?? 'en_US',
      request.adminPassword,
      request.adminLogin ?? 'admin',
      request.countryCode ?? false,
    ]);
  }
  /** `neutralize` turns off mail servers, crons and payment providers (Odoo 17+). */
  async duplicateDatabase(masterPassword: string, source: string, target: string, neutralize = false): Promise<void> {
    const version = await this.detectVersion();
    await this.db('duplicate_database', version.major >= 17 ? [masterPassword, source, target, neutralize] : [masterPassword, source, target]);
  }
  /** false when the database did not exist. */
  async dropDatabase(masterPassword: string, name: string): Promise<boolean> {
    return Boolean(await this.db('drop', [masterPassword, name]));
  }
  async renameDatabase(masterPassword: string, from: string, to: string): Promise<void> {
    await this.db('rename', [masterPassword, from, to]);
  }
  async changeMasterPassword(masterPassword: string, newPassword: string): Promise<void> {
    await this.db('change_admin_password', [masterPassword, newPassword]);
  }
  /** Small databases only: the whole dump travels as one base64 string (see database-manager.ts). */
  async dumpDatabase(masterPassword: string, name: string, format: 'zip' | 'dump' = 'zip'): Promise<Buffer> {
    return Buffer.from(String(await this.db('dump', [masterPassword, name, format])), 'base64');
  }
  async restoreDatabase(masterPassword: string, name: string, backup: Buffer, copy = false): Promise<void> {
    await this.db('restore', [masterPassword, name, backup.toString('base64'), copy]);
  }
}

// ------------------------------------------------------------------ model helpers

export const orm = {
  search: (calls: ModelCalls, model: string, domain: Domain, options: { limit?: number; offset?: number; order?: string } = {}) =>
    calls.execute(model, 'search', [domain], options) as Promise<number[]>,
  searchRead: (calls: ModelCalls, model: string, domain: Domain, fields: string[], options: { limit?: number; offset?: number; order?: string } = {}) =>
    calls.execute(model, 'search_read', [domain], { fields, ...options }) as Promise<Array<Record<string, unknown>>>,
  read: (calls: ModelCalls, model: string, ids: number[], fields: string[]) =>
    calls.execute(model, 'read', [ids], { fields }) as Promise<Array<Record<string, unknown>>>,
  create: (calls: ModelCalls, model: string, values: Record<string, unknown>) => calls.execute(model, 'create', [values]) as Promise<number>,
  write: (calls: ModelCalls, model: string, ids: number[], values: Record<string, unknown>) =>
    calls.execute(model, 'write', [ids, values]) as Promise<boolean>,
  unlink: (calls: ModelCalls, model: string, ids: number[]) => calls.execute(model, 'unlink', [ids]) as Promise<boolean>,
  searchCount: (calls: ModelCalls, model: string, domain: Domain) => calls.execute(model, 'search_count', [domain]) as Promise<number>,
  fieldsGet: (calls: ModelCalls, model: string, attributes: string[] = ['string', 'type']) =>
    calls.execute(model, 'fields_get', [], { attributes }) as Promise<Record<string, Record<string, unknown>>>,
};

export const modules = {
  async updateList(calls: ModelCalls): Promise<{ updated: number; added: number }> {
    const [updated, added] = (await calls.execute('ir.module.module', 'update_list', [])) as [number, number];
    return { updated, added };
  },
  async states(calls: ModelCalls, names: string[]): Promise<ModuleState[]> {
    const rows = await orm.searchRead(calls, 'ir.module.module', [['name', 'in', names]], ['name', 'state', 'latest_version']);
    return rows.map((row) => ({ id: Number(row.id), name: String(row.name), state: String(row.state), latestVersion: row.latest_version as string | false }));
  },
  async install(calls: ModelCalls, ids: number[]): Promise<void> {
    await calls.execute('ir.module.module', 'button_immediate_install', [ids]);
  },
  async upgrade(calls: ModelCalls, ids: number[]): Promise<void> {
    await calls.execute('ir.module.module', 'button_immediate_upgrade', [ids]);
  },
};
