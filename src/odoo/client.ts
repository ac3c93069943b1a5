// A client for one Odoo server. Its version is asked once per server (the
// `/web/webclient/version_info` route every version answers) and chooses how model
// calls travel: JSON-2 (/json/2/<model>/<method>, bearer API key) from Odoo 19 on when
// an API key is known, XML-RPC up to 19. Databases are managed over the HTTP database
// manager, which every version has (the XML-RPC db service is gone in 20); the few db
// methods the manager lacks (rename, dump as one string) are XML-RPC only, up to 19.
import { managerAction } from './database-manager.js';
import { OdooError } from './errors.js';
import { jsonRpc } from './json-rpc.js';
import { namedArguments } from './json2-arguments.js';
import { createJson2Caller } from './json2-transport.js';
import { createXmlRpcCaller, type XmlRpcCaller } from './xmlrpc-transport.js';

export interface OdooVersion {
  serverVersion: string;
  serverSerie: string;
  major: number;
  protocolVersion: number;
}

/** Who calls models: a database and a login, and on Odoo 19+ the login's API key. */
export interface OdooCredentials {
  database: string;
  login: string;
  password: string;
  apiKey?: string | null;
}

export type Domain = Array<[string, string, unknown] | '&' | '|' | '!'>;

/** How a model method reaches the server, whichever transport carries it. */
export interface ModelCalls {
  execute(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<unknown>;
}

export type OdooTransport = 'xmlrpc' | 'json2';

/** The last Odoo major version with the /xmlrpc/2/db service. */
export const LAST_DB_SERVICE_MAJOR = 19;
/** The first Odoo major version with the JSON-2 API. */
export const FIRST_JSON2_MAJOR = 19;
/** The last Odoo major version the fleet drives over XML-RPC (Odoo itself keeps it until 21). */
export const LAST_XMLRPC_MAJOR = 19;

/** The transport a server of this version is driven through, given whether an API key is known. */
export function transportFor(major: number, hasApiKey: boolean): OdooTransport | null {
  if (major >= FIRST_JSON2_MAJOR && hasApiKey) return 'json2';
  return major <= LAST_XMLRPC_MAJOR ? 'xmlrpc' : null;
}

/**
 * Versions by server URL, shared by the clients of one process: a server's version is
 * asked once, not on every call (a failed question is asked again next time), and asked
 * again after `maxAgeMs`, so a server upgraded in place (say 19 to 20) is noticed.
 */
export class OdooVersionCache {
  private readonly known = new Map<string, { askedAt: number; version: Promise<OdooVersion> }>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: { maxAgeMs?: number; now?: () => number } = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  get(baseUrl: string, load: () => Promise<OdooVersion>): Promise<OdooVersion> {
    const key = baseUrl.replace(/\/$/, '');
    const cached = this.known.get(key);
    if (cached && this.now() - cached.askedAt < this.maxAgeMs) return cached.version;
    const version = load().catch((error: unknown) => {
      this.known.delete(key);
      throw error;
    });
    this.known.set(key, { askedAt: this.now(), version });
    return version;
  }
}

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

export interface OdooClientOptions {
  timeoutMs?: number;
  long?: Partial<LongCallTimeouts>;
  /** versions already known in this process (default: this client's own) */
  versions?: OdooVersionCache;
}

export class OdooClient {
  private readonly call: XmlRpcCaller;
  private readonly timeoutMs: number;
  private readonly versions: OdooVersionCache;

  private readonly longTimeouts: LongCallTimeouts;

  constructor(
    readonly baseUrl: string,
    options: OdooClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.call = createXmlRpcCaller({ baseUrl, timeoutMs: this.timeoutMs });
    this.longTimeouts = { ...DEFAULT_LONG_TIMEOUTS, ...options.long };
    this.versions = options.versions ?? new OdooVersionCache();
  }

  // ------------------------------------------------------------------ common

  /** The server's version, asked now (no login needed; every version from 16 on answers it). */
  async version(): Promise<OdooVersion> {
    const { result } = await jsonRpc(this.baseUrl, '/web/webclient/version_info', {}, { timeoutMs: this.timeoutMs });
    const raw = (result ?? {}) as Record<string, unknown>;
    const info = Array.isArray(raw.server_version_info) ? raw.server_version_info : [];
    return {
      serverVersion: String(raw.server_version),
      serverSerie: String(raw.server_serie),
      major: Number(info[0] ?? String(raw.server_serie).split('.')[0]),
      protocolVersion: Number(raw.protocol_version ?? 1),
    };
  }

  /** The server's version, asked once per server. */
  detectVersion(): Promise<OdooVersion> {
    return this.versions.get(this.baseUrl, () => this.version());
  }

  /** How model calls with these credentials travel to this server. */
  async transport(credentials: Pick<OdooCredentials, 'apiKey'>): Promise<OdooTransport> {
    const version = await this.detectVersion();
    const transport = transportFor(version.major, Boolean(credentials.apiKey));
    if (!transport)
      throw new OdooError(
        'access_denied',
        `Odoo ${version.serverSerie} is driven through JSON-2 only, which needs an API key`,
        3,
      );
    return transport;
  }

  /** The user id, or null for a wrong login or password (Odoo answers False, not a fault). */
  async authenticate(credentials: OdooCredentials): Promise<number | null> {
    const uid = await this.call('common', 'authenticate', [
      credentials.database,
      credentials.login,
      credentials.password,
      {},
    ]);
    return typeof uid === 'number' && uid > 0 ? uid : null;
  }

  async about(extended = false): Promise<unknown> {
    return this.call('common', 'about', [extended]);
  }

  // ------------------------------------------------------------------ models

  /** Model calls as an authenticated user, over the transport the server's version calls for. */
  models(credentials: OdooCredentials): ModelCalls {
    let uid: Promise<number> | undefined;
    let json2: ReturnType<typeof createJson2Caller> | undefined;
    const login = async () => {
      const id = await this.authenticate(credentials);
      if (id === null)
        throw new OdooError(
          'access_denied',
          `Odoo refused the login "${credentials.login}" on ${credentials.database}`,
          3,
        );
      return id;
    };
    return {
      execute: async (model, method, args, kwargs = {}) => {
        // Installing or upgrading modules reloads the registry: minutes on a real server.
        const long =
          (model === 'ir.module.module' && method.startsWith('button_immediate_')) ||
          (model === 'base.import.module' && method === 'import_module')
            ? this.longTimeouts.modulesMs
            : undefined;
        if ((await this.transport(credentials)) === 'json2') {
          json2 ??= createJson2Caller({
            baseUrl: this.baseUrl,
            database: credentials.database,
            apiKey: credentials.apiKey!,
            timeoutMs: this.timeoutMs,
          });
          // create takes a list over JSON-2; given one record, answer its id as execute_kw does.
          const single = method === 'create' && args.length > 0 && !Array.isArray(args[0]);
          const result = await json2(
            model,
            method,
            namedArguments(model, method, single ? [[args[0]], ...args.slice(1)] : args, kwargs),
            long,
          );
          return single && Array.isArray(result) ? result[0] : result;
        }
        uid ??= login().catch((error: unknown) => {
          uid = undefined;
          throw error;
        });
        return this.call(
          'object',
          'execute_kw',
          [credentials.database, await uid, credentials.password, model, method, args, kwargs],
          long,
        );
      },
    };
  }

  // ------------------------------------------------------------------ databases

  private async db(method: string, params: unknown[]): Promise<unknown> {
    const version = await this.detectVersion();
    if (version.major > LAST_DB_SERVICE_MAJOR) {
      throw new OdooError('unsupported', `Odoo ${version.serverSerie} has no database service (removed in Odoo 20)`);
    }
    const long = DATABASE_WORK.has(method) ? this.longTimeouts.databasesMs : undefined;
    return this.call('db', method, params, long);
  }

  /** Needs `list_db` (the manager is off without it). */
  async listDatabases(): Promise<string[]> {
    const { result } = await jsonRpc(this.baseUrl, '/web/database/list', {}, { timeoutMs: this.timeoutMs });
    return (result as string[]) ?? [];
  }
  async databaseExists(name: string): Promise<boolean> {
    return (await this.listDatabases()).includes(name);
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
    request: {
      name: string;
      demo?: boolean;
      lang?: string;
      adminPassword: string;
      adminLogin?: string;
      countryCode?: string | false;
    },
  ): Promise<void> {
    await managerAction(
      this.baseUrl,
      'create',
      {
        master_pwd: masterPassword,
        name: request.name,
        login: request.adminLogin ?? 'admin',
        password: request.adminPassword,
        lang: request.lang ?? 'en_US',
        // Odoo 19 reads the phone field by name: it must be sent, even empty.
        phone: '',
        country_code: request.countryCode || '',
        ...(request.demo ? { demo: 'on' } : {}),
      },
      this.longTimeouts.databasesMs,
    );
  }
  /** `neutralize` turns off mail servers, crons and payment providers (Odoo 17+). */
  async duplicateDatabase(masterPassword: string, source: string, target: string, neutralize = false): Promise<void> {
    const version = await this.detectVersion();
    const form = {
      master_pwd: masterPassword,
      name: source,
      new_name: target,
      ...(neutralize && version.major >= 17 ? { neutralize_database: 'on' } : {}),
    };
    await managerAction(this.baseUrl, 'duplicate', form, this.longTimeouts.databasesMs);
  }
  /** false when the database did not exist (the manager answers the same for both). */
  async dropDatabase(masterPassword: string, name: string): Promise<boolean> {
    if (!(await this.databaseExists(name))) return false;
    await managerAction(this.baseUrl, 'drop', { master_pwd: masterPassword, name }, this.longTimeouts.databasesMs);
    return true;
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
  search: (
    calls: ModelCalls,
    model: string,
    domain: Domain,
    options: { limit?: number; offset?: number; order?: string } = {},
  ) => calls.execute(model, 'search', [domain], options) as Promise<number[]>,
  searchRead: (
    calls: ModelCalls,
    model: string,
    domain: Domain,
    fields: string[],
    options: { limit?: number; offset?: number; order?: string } = {},
  ) => calls.execute(model, 'search_read', [domain], { fields, ...options }) as Promise<Array<Record<string, unknown>>>,
  read: (calls: ModelCalls, model: string, ids: number[], fields: string[]) =>
    calls.execute(model, 'read', [ids], { fields }) as Promise<Array<Record<string, unknown>>>,
  create: (calls: ModelCalls, model: string, values: Record<string, unknown>) =>
    calls.execute(model, 'create', [values]) as Promise<number>,
  write: (calls: ModelCalls, model: string, ids: number[], values: Record<string, unknown>) =>
    calls.execute(model, 'write', [ids, values]) as Promise<boolean>,
  unlink: (calls: ModelCalls, model: string, ids: number[]) =>
    calls.execute(model, 'unlink', [ids]) as Promise<boolean>,
  searchCount: (calls: ModelCalls, model: string, domain: Domain) =>
    calls.execute(model, 'search_count', [domain]) as Promise<number>,
  fieldsGet: (calls: ModelCalls, model: string, attributes: string[] = ['string', 'type']) =>
    calls.execute(model, 'fields_get', [], { attributes }) as Promise<Record<string, Record<string, unknown>>>,
};

export const modules = {
  async updateList(calls: ModelCalls): Promise<{ updated: number; added: number }> {
    const [updated, added] = (await calls.execute('ir.module.module', 'update_list', [])) as [number, number];
    return { updated, added };
  },
  async states(calls: ModelCalls, names: string[]): Promise<ModuleState[]> {
    const rows = await orm.searchRead(
      calls,
      'ir.module.module',
      [['name', 'in', names]],
      ['name', 'state', 'latest_version'],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      name: String(row.name),
      state: String(row.state),
      latestVersion: row.latest_version as string | false,
    }));
  },
  async install(calls: ModelCalls, ids: number[]): Promise<void> {
    await calls.execute('ir.module.module', 'button_immediate_install', [ids]);
  },
  async upgrade(calls: ModelCalls, ids: number[]): Promise<void> {
    await calls.execute('ir.module.module', 'button_immediate_upgrade', [ids]);
  },
};
