// A test double of an Odoo 17 server: /xmlrpc/2/{common,object,db} with real Odoo's
// answers, fault codes and fault strings (shared/notes/odoo-protocol.md), and the HTTP
// database manager (/web/database/backup streams, /web/database/restore takes a
// multipart upload). Backups are real zip dumps (odoo-dump.ts) generated and consumed as
// streams, so the double can serve and swallow files far larger than memory; a restore
// brings back the dumped database's data, and bytes that are not a dump are refused as
// Odoo refuses them, leaving an empty database behind.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Deserializer from 'xmlrpc/lib/deserializer.js';
import Serializer from 'xmlrpc/lib/serializer.js';
import { handleJson2 } from './odoo-double-json2.js';
import { handleWeb, managerErrorPage } from './odoo-double-web.js';
import type { DoubleDatabase, DoubleUser } from './double-database.js';
import { customDump, DumpReader, NOT_A_DUMP, zipDumpChunks, zipEntries, type DumpContent } from './odoo-dump.js';

interface Fault {
  faultCode: number;
  faultString: string;
}
const fault = (faultCode: number, faultString: string): Fault => ({ faultCode, faultString });
const traceback = (last: string) =>
  fault(
    1,
    `Traceback (most recent call last):\n  File "/opt/odoo/odoo/service/model.py", line 156, in retrying\n    result = func()\n${last}\n`,
  );
const ACCESS_DENIED = fault(3, 'Access Denied');
/** What a database without Odoo's tables (left by a failed restore) answers. */
const EMPTY_DATABASE = traceback('psycopg2.errors.UndefinedTable: relation "ir_module_module" does not exist');

export interface OdooDoubleOptions {
  masterPassword?: string;
  serverSerie?: string;
  listDb?: boolean;
}

export type { DoubleDatabase, DoubleUser } from './double-database.js';

export class OdooServerDouble {
  readonly databases = new Map<string, DoubleDatabase>();
  readonly masterPassword: string;
  readonly serverSerie: string;
  listDb: boolean;
  /** how long the double takes over work a real server takes long over (ms) */
  readonly delays = { moduleMs: 0, createDatabaseMs: 0 };
  /** calls received, as "service.method" (XML-RPC) or "http./web/database/<action>" */
  readonly calls: string[] = [];
  /** module files uploaded to base_import_module wizards, by wizard id */
  private readonly importWizards = new Map<number, string>();
  /** object-service calls received, as "model.method" */
  readonly modelCalls: string[] = [];
  private server: Server | undefined;

  constructor(options: OdooDoubleOptions = {}) {
    this.masterPassword = options.masterPassword ?? 'master-secret';
    this.serverSerie = options.serverSerie ?? '17.0';
    this.listDb = options.listDb ?? true;
  }

  addDatabase(
    name: string,
    options: { adminLogin?: string; adminPassword?: string; backupBytes?: number } = {},
  ): DoubleDatabase {
    const database: DoubleDatabase = {
      name,
      users: [
        {
          id: 2,
          login: options.adminLogin ?? 'admin',
          password: options.adminPassword ?? 'admin',
          admin: true,
          active: true,
          share: false,
        },
        { id: 6, login: 'demo', password: 'demo', admin: false, active: true, share: false },
        { id: 7, login: 'portal', password: 'portal', admin: false, active: true, share: true },
      ],
      // A new Odoo 19 database holds its company (1) and the admin's partner (3); 4 and 5 are archived.
      partners:
        this.major >= 19
          ? new Map([
              [1, { id: 1, name: 'My Company', email: false, parent_id: false, active: true, is_company: true }],
              [3, { id: 3, name: 'Administrator', email: false, parent_id: false, active: true }],
            ])
          : new Map([
              [3, { id: 3, name: 'YourCompany', email: 'info@yourcompany.example', parent_id: false, active: true }],
            ]),
      modules: new Map(
        ['base', 'web', 'mail', 'sale', 'stock', 'account', 'base_import_module', 'contacts', 'base_sparse_field'].map(
          (module, index) => [
            module,
            // contacts and base_sparse_field keep the ids they had on the recorded Odoo 17 and 19 servers
            {
              id: RECORDED_MODULE_IDS[module] ?? index + 1,
              name: module,
              state: index < 2 ? 'installed' : 'uninstalled',
              latest_version: index < 2 ? `${this.serverSerie}.1.0` : false,
            },
          ],
        ),
      ),
      nextId: this.major >= 19 ? 6 : 100,
      backupBytes: options.backupBytes ?? 256 * 1024,
      neutralized: false,
      parameters: new Map(),
      records: {
        attachments: [
          { id: 1, file_size: 5120 },
          { id: 2, file_size: 20480 },
        ],
        mails: [],
        crons: [{ id: 1, active: true, nextcall: '2999-01-01 00:00:00', failure_count: 0 }],
      },
      logs: [],
      apiKeys: new Map(),
    };
    this.databases.set(name, database);
    return database;
  }

  /** The dump of a database as Odoo's backup would hold it. */
  private dumpContent(database: DoubleDatabase): DumpContent {
    const state = {
      users: database.users,
      partners: [...database.partners.values()],
      modules: [...database.modules.values()],
      nextId: database.nextId,
      neutralized: database.neutralized,
      parameters: [...database.parameters.entries()],
      logs: database.logs,
      records: database.records,
      backupBytes: database.backupBytes,
      apiKeys: [...database.apiKeys.entries()],
    };
    const modules = Object.fromEntries(
      [...database.modules.values()]
        .filter((module) => module.state === 'installed')
        .map((module) => [module.name, module.latest_version || '']),
    );
    return { database: database.name, serverSerie: this.serverSerie, state, modules, totalBytes: database.backupBytes };
  }

  /** The zip backup of a database, chunk by chunk. */
  backupChunks(name: string): Generator<Buffer> {
    const database = this.databases.get(name);
    if (!database) throw new Error(`no database ${name}`);
    return zipDumpChunks(this.dumpContent(database));
  }

  /** The sha256 of the zip backup the double would send for a database now. */
  backupSha256(name: string): string {
    const hash = createHash('sha256');
    for (const chunk of this.backupChunks(name)) hash.update(chunk);
    return hash.digest('hex');
  }

  /** A database rebuilt from a dump's tables; a failed read leaves an empty database, as Odoo does. */
  private restoreInto(name: string, reader: DumpReader): void {
    let dumped: ReturnType<DumpReader['end']>;
    try {
      dumped = reader.end();
    } catch (error) {
      this.addDatabase(name).empty = true;
      throw error;
    }
    const state = dumped.state as {
      users: DoubleUser[];
      partners: Array<DoubleDatabase['partners'] extends Map<number, infer P> ? P : never>;
      modules: Array<DoubleDatabase['modules'] extends Map<string, infer M> ? M : never>;
      nextId: number;
      neutralized: boolean;
      parameters: Array<[string, string]>;
      logs: DoubleDatabase['logs'];
      records: DoubleDatabase['records'];
      backupBytes: number;
      apiKeys: Array<[string, number]>;
    };
    this.databases.set(name, {
      name,
      users: state.users,
      partners: new Map(state.partners.map((partner) => [partner.id, partner])),
      modules: new Map(state.modules.map((module) => [module.name, module])),
      nextId: state.nextId,
      backupBytes: state.backupBytes,
      neutralized: state.neutralized,
      parameters: new Map(state.parameters),
      logs: state.logs,
      records: state.records,
      apiKeys: new Map(state.apiKeys),
      restored: { bytes: dumped.bytes, sha256: dumped.sha256 },
    });
  }

  /** Starts answering; `port` lets a stopped double come back at the same address. */
  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The major version: 16-18 speak XML-RPC, 19 XML-RPC and JSON-2, 20 JSON-2 only (and no db service). */
  get major(): number {
    return Number(this.serverSerie.split('.')[0]);
  }

  /** An API key of a database's user (as res.users.apikeys makes them: 40 hex characters). */
  addApiKey(databaseName: string, login = 'admin'): string {
    const database = this.databases.get(databaseName);
    const user = database?.users.find((candidate) => candidate.login === login);
    if (!database || !user) throw new Error(`no user ${login} in ${databaseName}`);
    const key = randomBytes(20).toString('hex');
    database.apiKeys.set(key, user.id);
    return key;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const service = /^\/xmlrpc\/2\/(common|object|db)$/.exec(path)?.[1];
    // Odoo 20 is driven through JSON-2 and the HTTP database manager only.
    if (req.method === 'POST' && service && this.major < 20) return this.xmlrpc(service, req, res);
    if (path === '/json/2' || path.startsWith('/json/2/')) {
      if (this.major < 19) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
      this.calls.push(`json2.${path.slice('/json/2/'.length)}`);
      return handleJson2(this, path, req, res);
    }
    if (
      (path.startsWith('/web/') || path === '/json/version' || path === '/doc' || path.startsWith('/doc')) &&
      (await handleWeb(this, path, req, res))
    )
      return;
    if (req.method === 'POST' && path.startsWith('/web/database/')) this.calls.push(`http.${path}`);
    if (req.method === 'POST' && path === '/web/database/backup') return this.httpBackup(req, res);
    if (req.method === 'POST' && path === '/web/database/restore') return this.httpRestore(req, res);
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
  }

  // ------------------------------------------------------------------ XML-RPC

  private xmlrpc(service: string, req: IncomingMessage, res: ServerResponse): void {
    new Deserializer().deserializeMethodCall(req, async (error: Error | null, method: string, params: unknown[]) => {
      let xml: string;
      if (error) {
        xml = Serializer.serializeFault(traceback(`xml.parsers.expat.ExpatError: ${error.message}`));
      } else {
        this.calls.push(`${service}.${method}`);
        try {
          const value = await (service === 'common'
            ? this.common(method, params)
            : service === 'db'
              ? this.db(method, params)
              : this.object(method, params));
          // Odoo never sends nil: a Python None cannot be marshalled without allow_none.
          xml =
            value === undefined || value === null
              ? Serializer.serializeFault(traceback('TypeError: cannot marshal None unless allow_none is enabled'))
              : Serializer.serializeMethodResponse(value);
        } catch (thrown) {
          xml = Serializer.serializeFault(isFault(thrown) ? thrown : traceback(`Exception: ${String(thrown)}`));
        }
      }
      // Faults travel with HTTP 200, as on /xmlrpc/2.
      res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
    });
  }

  private common(method: string, params: unknown[]): unknown {
    switch (method) {
      case 'version':
        return this.versionInfo();
      case 'about':
        return params[0] ? ['See http://openerp.com', this.serverVersion()] : 'See http://openerp.com';
      case 'login':
      case 'authenticate': {
        const [name, login, password] = params as [string, string, string];
        const database = this.databases.get(name);
        if (!database)
          throw traceback(
            `psycopg2.OperationalError: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${name}" does not exist`,
          );
        if (database.empty) throw EMPTY_DATABASE;
        const user = database.users.find(
          (candidate) => candidate.login === login && candidate.password === password && candidate.active,
        );
        return user ? user.id : false;
      }
      default:
        throw traceback(`Exception: No such method "${method}" on common`);
    }
  }

  private serverVersion(): string {
    return `${this.serverSerie}-20240709`;
  }

  versionInfo() {
    const [major, minor] = this.serverSerie.split('.').map(Number);
    return {
      server_version: this.serverVersion(),
      server_version_info: [major, minor, 0, 'final', 0, ''],
      server_serie: this.serverSerie,
      protocol_version: 1,
    };
  }

  private checkMaster(password: unknown): void {
    if (!this.listDb) throw ACCESS_DENIED;
    if (password !== this.masterPassword) throw ACCESS_DENIED;
  }

  db(method: string, params: unknown[]): unknown {
    const names = () => [...this.databases.keys()].sort();
    switch (method) {
      case 'list':
        if (!this.listDb) throw ACCESS_DENIED;
        return names();
      case 'db_exist':
        return this.databases.has(String(params[0]));
      case 'list_lang':
        return [
          ['en_US', 'English (US)'],
          ['fr_FR', 'French / Français'],
          ['nl_NL', 'Dutch / Nederlands'],
        ];
      case 'server_version':
        return this.serverVersion();
      case 'list_countries':
        if (params[0] !== this.masterPassword) throw ACCESS_DENIED;
        return [
          ['be', 'Belgium'],
          ['fr', 'France'],
          ['us', 'United States'],
        ];
      case 'create_database': {
        this.checkMaster(params[0]);
        const [, name, , , userPassword, login] = params as [string, string, boolean, string, string?, string?];
        if (this.databases.has(name)) throw traceback(`odoo.service.db.DatabaseExists: Database already exists`);
        const database = this.addDatabase(name, {
          adminLogin: login ?? 'admin',
          adminPassword: userPassword ?? 'admin',
        });
        if (this.delays.createDatabaseMs === 0) return true;
        // The empty database exists at once; Odoo's tables arrive when initialisation ends.
        database.empty = true;
        return new Promise((resolve) =>
          setTimeout(() => {
            database.empty = false;
            resolve(true);
          }, this.delays.createDatabaseMs),
        );
      }
      case 'duplicate_database': {
        this.checkMaster(params[0]);
        const [, source, target, neutralize] = params as [string, string, string, boolean?];
        const original = this.databases.get(source);
        if (!original) throw traceback(`psycopg2.errors.InvalidCatalogName: database "${source}" does not exist`);
        if (this.databases.has(target)) throw traceback(`odoo.service.db.DatabaseExists: Database already exists`);
        this.databases.set(target, { ...structuredClone(original), name: target, neutralized: Boolean(neutralize) });
        return true;
      }
      case 'drop':
        this.checkMaster(params[0]);
        return this.databases.delete(String(params[1]));
      case 'rename': {
        this.checkMaster(params[0]);
        const [, from, to] = params as [string, string, string];
        const database = this.databases.get(from);
        if (!database) throw traceback(`psycopg2.errors.InvalidCatalogName: database "${from}" does not exist`);
        this.databases.delete(from);
        this.databases.set(to, { ...database, name: to });
        return true;
      }
      case 'migrate_databases':
        this.checkMaster(params[0]);
        return true;
      case 'change_admin_password':
        this.checkMaster(params[0]);
        return true;
      case 'dump': {
        this.checkMaster(params[0]);
        const [, name, format] = params as [string, string, string];
        const database = this.databases.get(name);
        if (!database)
          throw traceback(`Exception: Postgres subprocess ('/usr/bin/pg_dump', '--no-owner', '${name}') error 1`);
        const body =
          format === 'zip'
            ? Buffer.concat([...zipDumpChunks(this.dumpContent(database))])
            : customDump(this.dumpContent(database));
        return body.toString('base64');
      }
      case 'restore': {
        this.checkMaster(params[0]);
        const [, name, data] = params as [string, string, string];
        if (this.databases.has(name)) throw traceback('Exception: Database already exists');
        const reader = new DumpReader();
        reader.push(Buffer.from(data, 'base64'));
        try {
          this.restoreInto(name, reader);
        } catch {
          throw traceback(`Exception: ${NOT_A_DUMP}`);
        }
        return true;
      }
      default:
        throw traceback(`KeyError: 'Method not found: ${method}'`);
    }
  }

  private object(service: string, params: unknown[]): unknown {
    if (service !== 'execute_kw' && service !== 'execute')
      throw traceback(`NameError: Method not available ${service}`);
    // execute passes the method's arguments positionally, execute_kw as a list and a dict.
    const [name, rawUid, password, model, method, ...rest] = params as [
      string,
      unknown,
      string,
      string,
      string,
      ...unknown[],
    ];
    const args = (service === 'execute' ? rest : (rest[0] as unknown[] | undefined)) ?? [];
    const kwargs = (service === 'execute' ? {} : (rest[1] as Record<string, unknown> | undefined)) ?? {};
    this.modelCalls.push(`${model}.${method}`);
    const database = this.databases.get(name);
    if (!database)
      throw traceback(
        `psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${name}" does not exist`,
      );
    if (database.empty) throw EMPTY_DATABASE;
    // Odoo reads the uid as an integer (a string of digits works) and loads that user first.
    const uid = Number(rawUid);
    const known = database.users.find((candidate) => candidate.id === uid);
    if (!known)
      throw fault(2, `Record does not exist or has been deleted.\n(Record: res.users(${uid},), User: ${uid})`);
    // From Odoo 19 an API key is accepted in place of the password.
    const user =
      (known.password === password || database.apiKeys.get(password) === known.id) && known.active ? known : undefined;
    if (!user) throw ACCESS_DENIED;
    if (method.startsWith('_')) throw fault(4, `Private methods (such as ${method}) cannot be called remotely.`);
    return this.callModel(database, user, model, method, args, kwargs);
  }

  /** A model method run as an authenticated user, whichever transport brought it. */
  callModel(
    database: DoubleDatabase,
    user: DoubleUser,
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): unknown {
    if (model === 'res.partner') return this.partners(database, user, method, args, kwargs);
    if (model === 'ir.model.data' && method === 'toggle_noupdate') return undefined; // returns None: a marshalling fault
    if (model === 'ir.module.module') return this.modules(database, user, method, args, kwargs);
    if (model === 'ir.config_parameter') {
      if (!user.admin) {
        throw fault(
          4,
          "You are not allowed to access 'System Parameter' (ir.config_parameter) records.\n\nThis operation is allowed for the following groups:\n\t- Administration/Settings\n\nContact your administrator to request access if necessary.",
        );
      }
      const [key, value] = args as [string, unknown];
      if (method === 'get_param') return database.parameters.get(key) ?? false;
      if (method === 'set_param') {
        // Odoo deletes the parameter when it is set to a falsy value.
        if (value === false || value === '' || value === null) database.parameters.delete(key);
        else database.parameters.set(key, String(value));
        return true;
      }
      throw traceback(`AttributeError: The method 'ir.config_parameter.${method}' does not exist`);
    }
    if (model === 'res.users') return this.users(database, user, method, args, kwargs);
    if (model === 'base.import.module') return this.moduleImport(database, user, method, args);
    if (model === 'ir.attachment' || model === 'mail.mail' || model === 'ir.cron')
      return this.counted(database, model, method, args, kwargs);
    if (model === 'ir.logging') {
      if (method !== 'search_read') throw traceback(`AttributeError: The method 'ir.logging.${method}' does not exist`);
      const fields = (kwargs.fields as string[]) ?? ['create_date', 'level', 'name', 'message'];
      const rows = database.logs.filter((row) => matches(row, args[0] as unknown[]));
      rows.sort((a, b) => (a.create_date === b.create_date ? a.id - b.id : a.create_date < b.create_date ? -1 : 1));
      const offset = Number(kwargs.offset ?? 0);
      return rows
        .slice(offset, kwargs.limit ? offset + Number(kwargs.limit) : undefined)
        .map((row) =>
          Object.fromEntries(
            ['id', ...fields].map((field) => [field, (row as Record<string, unknown>)[field] ?? false]),
          ),
        );
    }
    throw fault(2, `Object ${model} doesn't exist`);
  }

  private partners(
    database: DoubleDatabase,
    user: DoubleUser,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): unknown {
    const rows = () => [...database.partners.values()];
    const asRead = (row: typeof rows extends () => Array<infer R> ? R : never, fields?: string[]) => {
      const full: Record<string, unknown> = {
        id: row.id,
        name: row.name,
        email: row.email,
        parent_id: row.parent_id === false ? false : [row.parent_id, database.partners.get(row.parent_id)?.name ?? ''],
        active: row.active,
        display_name: row.name,
        is_company: row.is_company ?? false,
        phone: row.phone ?? false,
        lang: 'en_US',
      };
      return fields?.length
        ? Object.fromEntries(['id', ...fields].map((field) => [field, full[field] ?? false]))
        : full;
    };
    const page = (ids: number[]) => {
      const offset = Number(kwargs.offset ?? 0);
      const limit = kwargs.limit ? Number(kwargs.limit) : undefined;
      return ids.slice(offset, limit === undefined ? undefined : offset + limit);
    };
    const domain = Array.isArray(args[0]) ? (args[0] as unknown[]) : [];
    checkFields('res.partner', PARTNER_FIELDS, domain, this.major);
    switch (method) {
      case 'search':
        return page(
          rows()
            .filter((row) => matches({ ...row, create_date: PARTNER_CREATED }, domain))
            .map((row) => row.id),
        );
      case 'name_search': {
        const [text, , , limit] = [String(args[0] ?? ''), args[1], args[2], Number(args[3] ?? kwargs.limit ?? 100)];
        return rows()
          .filter((row) => row.name.toLowerCase().includes(text.toLowerCase()))
          .slice(0, limit)
          .map((row) => [row.id, row.name]);
      }
      case 'check_access_rights':
        return true;
      case 'search_count':
        return rows().filter((row) => matches(row, args[0] as unknown[])).length;
      case 'search_read':
        return page(
          rows()
            .filter((row) => matches(row, args[0] as unknown[]))
            .map((row) => row.id),
        ).map((id) => asRead(database.partners.get(id)!, kwargs.fields as string[]));
      case 'read':
        return (args[0] as number[])
          .filter((id) => database.partners.has(id))
          .map((id) => asRead(database.partners.get(id)!, (kwargs.fields ?? args[1]) as string[]));
      case 'create': {
        const create = (values: Record<string, unknown>) => {
          if (!values.name)
            throw fault(
              2,
              this.major >= 19
                ? 'The operation cannot be completed: Contacts require a name'
                : 'The operation cannot be completed: Missing required fields on Contact: name',
            );
          const id = database.nextId++;
          database.partners.set(id, {
            id,
            name: String(values.name),
            email: (values.email as string) ?? false,
            parent_id: (values.parent_id as number) ?? false,
            active: true,
          });
          return id;
        };
        return Array.isArray(args[0])
          ? (args[0] as Array<Record<string, unknown>>).map(create)
          : create(args[0] as Record<string, unknown>);
      }
      case 'write': {
        const [ids, values] = args as [number[], Record<string, unknown>];
        for (const id of ids) {
          const row = database.partners.get(id);
          if (!row)
            throw fault(
              2,
              `Record does not exist or has been deleted.\n(Record: res.partner(${id},), User: ${user.id})`,
            );
          if (values.parent_id === id) throw fault(2, 'You cannot create recursive Partner hierarchies.');
          Object.assign(row, values);
        }
        return true;
      }
      case 'unlink':
        for (const id of args[0] as number[]) database.partners.delete(id);
        return true;
      case 'fields_get': {
        const all: Record<string, Record<string, unknown>> = {
          name: { string: 'Name', type: 'char', required: false },
          email: { string: 'Email', type: 'char', required: false },
          parent_id: { string: 'Related Company', type: 'many2one', required: false },
          active: { string: 'Active', type: 'boolean', required: false },
        };
        const wanted = (kwargs.allfields ?? args[0]) as string[] | undefined;
        const attributes = (kwargs.attributes ?? args[1] ?? ['string', 'type']) as string[];
        return Object.fromEntries(
          Object.entries(all)
            .filter(([name]) => !wanted?.length || wanted.includes(name))
            .map(([name, description]) => [
              name,
              Object.fromEntries(attributes.filter((key) => key in description).map((key) => [key, description[key]])),
            ]),
        );
      }
      default:
        throw traceback(`AttributeError: The method 'res.partner.${method}' does not exist`);
    }
  }

  /** base_import_module's wizard: a zip of data-only addons becomes installed, imported modules. */
  private moduleImport(database: DoubleDatabase, user: DoubleUser, method: string, args: unknown[]): unknown {
    if (database.modules.get('base_import_module')?.state !== 'installed')
      throw fault(2, "Object base.import.module doesn't exist");
    if (!user.admin) throw ACCESS_DENIED;
    if (method === 'create') {
      // create takes one dict (execute_kw) or a list of them (as JSON-2's vals_list always is).
      const create = (values: { module_file?: string }) => {
        const id = database.nextId++;
        this.importWizards.set(id, String(values.module_file ?? ''));
        return id;
      };
      return Array.isArray(args[0])
        ? (args[0] as Array<{ module_file?: string }>).map(create)
        : create(args[0] as { module_file?: string });
    }
    if (method !== 'import_module')
      throw traceback(`AttributeError: The method 'base.import.module.${method}' does not exist`);
    const [id] = args[0] as number[];
    const entries = zipEntries(Buffer.from(this.importWizards.get(id!) ?? '', 'base64'));
    if (!entries) throw fault(2, 'File is not a zip file');
    for (const [path, content] of entries) {
      const addon = /^([a-z0-9_]+)\/__manifest__\.py$/.exec(path)?.[1];
      if (!addon) continue;
      const version = /['"]version['"]\s*:\s*['"]([^'"]+)['"]/.exec(content.toString('utf8'))?.[1] ?? '1.0';
      const latest = version.startsWith(`${this.serverSerie}.`) ? version : `${this.serverSerie}.${version}`;
      const known = database.modules.get(addon);
      database.modules.set(addon, {
        id: known?.id ?? database.nextId++,
        name: addon,
        state: 'installed',
        latest_version: latest,
      });
    }
    return { type: 'ir.actions.client', tag: 'reload' };
  }

  /** The models the metrics read: counts, and the attachments' size sum as read_group gives it. */
  private counted(
    database: DoubleDatabase,
    model: 'ir.attachment' | 'mail.mail' | 'ir.cron',
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): unknown {
    const rows: object[] =
      model === 'ir.attachment'
        ? database.records.attachments
        : model === 'mail.mail'
          ? database.records.mails
          : database.records.crons;
    const domain = (args[0] as unknown[]) ?? [];
    // ir.cron.failure_count arrived after 17.0: on older series the field is unknown.
    const known = (field: string) =>
      model === 'ir.cron' && field === 'failure_count' ? Number(this.serverSerie.split('.')[0]) >= 18 : true;
    for (const leaf of domain) {
      if (Array.isArray(leaf) && !known(String(leaf[0]))) {
        throw traceback(
          `ValueError: Invalid field ${model}.${String(leaf[0])} in leaf ('${String(leaf[0])}', '${String(leaf[1])}', ${String(leaf[2])})`,
        );
      }
    }
    const found = rows.filter((row) => matches(row, domain));
    if (method === 'search_count') return found.length;
    if (method === 'read_group' && model === 'ir.attachment') {
      void kwargs;
      return [
        {
          __count: found.length,
          file_size: found.reduce((sum, row) => sum + (row as { file_size: number }).file_size, 0),
          __domain: domain,
        },
      ];
    }
    throw traceback(`AttributeError: The method '${model}.${method}' does not exist`);
  }

  private users(
    database: DoubleDatabase,
    user: DoubleUser,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): unknown {
    // Inactive users are hidden unless the domain asks for them, as Odoo's active_test does.
    const domain = (args[0] as unknown[]) ?? [];
    const mentionsActive = domain.some((leaf) => Array.isArray(leaf) && leaf[0] === 'active');
    const visible = database.users.filter(
      (candidate) => (mentionsActive || candidate.active) && matches(candidate, domain),
    );
    switch (method) {
      case 'search':
        return visible.map((candidate) => candidate.id);
      case 'read': {
        const fields = (kwargs.fields ?? args[1] ?? ['name', 'login']) as string[];
        const ids = args[0] as number[];
        return database.users
          .filter((candidate) => ids.includes(candidate.id))
          .map((candidate) => {
            const full: Record<string, unknown> = {
              id: candidate.id,
              name: candidate.admin ? 'Administrator' : candidate.login,
              login: candidate.login,
              // many2one as [id, display name], many2many as ids, binary false when empty, datetimes as strings
              partner_id: [candidate.id + 1, candidate.admin ? 'Administrator' : candidate.login],
              company_ids: [1],
              login_date: '2026-06-01 12:00:00',
              image_128: false,
              active: candidate.active,
              tz: false,
              share: candidate.share,
            };
            return Object.fromEntries(['id', ...fields].map((field) => [field, full[field] ?? false]));
          });
      }
      case 'search_count':
        return visible.length;
      case 'context_get':
        return { lang: 'en_US', tz: false, uid: user.id };
      case 'create': {
        const create = (values: Record<string, unknown>) => {
          if (!values.login) {
            throw fault(
              2,
              "The operation cannot be completed: Missing required value for the field 'Login' (login).\nModel: 'User' (res.users)\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n",
            );
          }
          const id = database.nextId++;
          database.users.push({
            id,
            login: String(values.login),
            password: String(values.password ?? ''),
            admin: false,
            active: true,
            share: false,
          });
          return id;
        };
        return Array.isArray(args[0])
          ? (args[0] as Array<Record<string, unknown>>).map(create)
          : create(args[0] as Record<string, unknown>);
      }
      case 'unlink':
        if ((args[0] as number[]).includes(2)) {
          throw fault(
            2,
            'You cannot delete the admin user because it is utilized in various places (such as security configurations,...). Instead, archive it.',
          );
        }
        database.users = database.users.filter((candidate) => !(args[0] as number[]).includes(candidate.id));
        return true;
      case 'write': {
        if (!user.admin) throw fault(4, "You are not allowed to modify 'User' (res.users) records.");
        const [ids, values] = args as [number[], Record<string, unknown>];
        for (const id of ids) {
          const target = database.users.find((candidate) => candidate.id === id);
          if (!target)
            throw fault(2, `Record does not exist or has been deleted.\n(Record: res.users(${id},), User: ${user.id})`);
          if (typeof values.active === 'boolean') target.active = values.active;
        }
        return true;
      }
      default:
        void kwargs;
        throw traceback(`AttributeError: The method 'res.users.${method}' does not exist`);
    }
  }

  private modules(
    database: DoubleDatabase,
    user: DoubleUser,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): unknown {
    if (!user.admin) throw ACCESS_DENIED;
    const byId = (ids: number[]) => [...database.modules.values()].filter((module) => ids.includes(module.id));
    // installed_version is the version of the module's files on the server (Odoo's naming is crossed).
    const withDiskVersion = (module: { name: string }): Record<string, unknown> => ({
      installed_version: `${this.serverSerie}.1.0`,
      shortdesc: module.name.replace(/_/g, ' '),
      ...module,
    });
    const action = { type: 'ir.actions.act_url', target: 'self', url: '/web' };
    switch (method) {
      case 'update_list':
        // Only the modules on the server's addons path: nothing is invented.
        return [database.modules.size, 0];
      case 'search_count':
        return [...database.modules.values()].filter((module) => matches(module, args[0] as unknown[])).length;
      case 'read': {
        const fields = (kwargs.fields ?? args[1] ?? ['name', 'state', 'latest_version']) as string[];
        return byId(args[0] as number[]).map((module) =>
          Object.fromEntries(['id', ...fields].map((field) => [field, withDiskVersion(module)[field] ?? false])),
        );
      }
      case 'search_read': {
        const fields = (kwargs.fields as string[]) ?? ['name', 'state', 'latest_version'];
        return [...database.modules.values()]
          .filter((module) => matches(module, args[0] as unknown[]))
          .map((module) =>
            Object.fromEntries(['id', ...fields].map((field) => [field, withDiskVersion(module)[field] ?? false])),
          );
      }
      case 'button_immediate_install':
      case 'button_immediate_upgrade': {
        // Odoo marks the modules and commits, then reloads the registry: meanwhile other
        // requests read them 'to install' / 'to upgrade'.
        const targets = byId(args[0] as number[]);
        for (const module of targets)
          module.state = method === 'button_immediate_install' ? 'to install' : 'to upgrade';
        const finish = () => {
          for (const module of targets) {
            module.state = 'installed';
            module.latest_version = `${this.serverSerie}.1.0`;
          }
          return action;
        };
        return this.delays.moduleMs > 0
          ? new Promise((resolve) => setTimeout(() => resolve(finish()), this.delays.moduleMs))
          : finish();
      }
      case 'button_immediate_uninstall':
        for (const module of byId(args[0] as number[])) module.state = 'uninstalled';
        return action;
      default:
        throw traceback(`AttributeError: The method 'ir.module.module.${method}' does not exist`);
    }
  }

  // ------------------------------------------------------------------ HTTP database manager

  private managerError(res: ServerResponse, message: string): void {
    managerErrorPage(res, message);
  }

  private async httpBackup(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readAll(req));
    if (!this.listDb) return this.managerError(res, 'The database manager has been disabled by the administrator');
    if (form.get('master_pwd') !== this.masterPassword)
      return this.managerError(res, 'Database backup error: Access Denied');
    const database = this.databases.get(form.get('name') ?? '');
    if (!database) return this.managerError(res, `Database backup error: Database '${form.get('name')}' is not known`);
    const extension = form.get('backup_format') === 'dump' ? 'dump' : 'zip';
    res.writeHead(200, {
      'content-type': 'application/octet-stream; charset=binary',
      'content-disposition': `attachment; filename*=UTF-8''${database.name}_2026-06-01_12-00-00.${extension}`,
    });
    // backup_format=dump is pg_dump's custom format, without the filestore.
    const chunks =
      extension === 'dump' ? [customDump(this.dumpContent(database))] : zipDumpChunks(this.dumpContent(database));
    for (const chunk of chunks) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }

  private async httpRestore(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
    if (!boundary) return this.managerError(res, 'Database restore error: no file');
    const fields: Record<string, string> = {};
    const reader = new DumpReader();
    await parseMultipart(req, boundary[1] ?? boundary[2]!, {
      field: (name, value) => (fields[name] = value),
      file: (chunk) => reader.push(chunk),
    });
    if (!this.listDb) return this.managerError(res, 'The database manager has been disabled by the administrator');
    if (fields.master_pwd !== this.masterPassword)
      return this.managerError(res, 'Database restore error: Access Denied');
    if (!fields.name) return this.managerError(res, 'Database restore error: missing name');
    if (this.databases.has(fields.name))
      return this.managerError(res, 'Database restore error: Database already exists');
    try {
      this.restoreInto(fields.name, reader);
    } catch {
      return this.managerError(res, `Database restore error: ${NOT_A_DUMP}`);
    }
    res.writeHead(303, { location: '/web/database/manager' }).end();
  }
}

function isFault(value: unknown): value is Fault {
  return typeof value === 'object' && value !== null && 'faultCode' in value && 'faultString' in value;
}

/** Module ids as the recorded servers had them (shared/odoo17-exchanges, odoo19-exchanges). */
const RECORDED_MODULE_IDS: Record<string, number> = { contacts: 46, base_sparse_field: 43 };

/** When the double's partners were created (Odoo's create_date). */
const PARTNER_CREATED = '2026-06-01 12:00:00';
const PARTNER_FIELDS = new Set([
  'id',
  'name',
  'email',
  'parent_id',
  'active',
  'display_name',
  'create_date',
  'is_company',
  'phone',
  'lang',
  'comment',
]);

/** Python's repr of a domain leaf, as Odoo prints it in errors. */
const pythonRepr = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);

/** A domain on a field the model does not have is a fault, as in Odoo (never an empty result). */
function checkFields(model: string, fields: Set<string>, domain: unknown[], major: number): void {
  for (const leaf of domain) {
    if (!Array.isArray(leaf) || fields.has(String(leaf[0]).split('.')[0]!)) continue;
    // Odoo 19 calls a leaf a condition.
    throw traceback(
      `ValueError: Invalid field ${model}.${String(leaf[0])} in ${major >= 19 ? 'condition' : 'leaf'} (${leaf.map(pythonRepr).join(', ')})`,
    );
  }
}

/** A minimal Odoo-style domain: [field, operator, value] leaves joined by AND. */
function matches(row: object, domain: unknown[] = []): boolean {
  const record = row as Record<string, unknown>;
  return domain.every((leaf) => {
    if (!Array.isArray(leaf)) return true;
    const [field, operator, sent] = leaf as [string, string, unknown];
    // An XML-RPC dateTime arrives as a Date; Odoo compares it as its UTC string.
    const value = sent instanceof Date ? sent.toISOString().replace('T', ' ').slice(0, 19) : sent;
    const actual = record[field];
    switch (operator) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case 'in':
        return (value as unknown[]).includes(actual);
      case 'not in':
        return !(value as unknown[]).includes(actual);
      case 'ilike':
        return String(actual).toLowerCase().includes(String(value).toLowerCase());
      case 'like':
        return String(actual).includes(String(value));
      // Dates travel as 'YYYY-MM-DD HH:MM:SS' strings, which compare in order.
      case '>':
        return typeof actual === 'string' ? actual > String(value) : Number(actual) > Number(value);
      case '<':
        return typeof actual === 'string' ? actual < String(value) : Number(actual) < Number(value);
      case '>=':
        return typeof actual === 'string' ? actual >= String(value) : Number(actual) >= Number(value);
      case '<=':
        return typeof actual === 'string' ? actual <= String(value) : Number(actual) <= Number(value);
      default:
        throw fault(1, `ValueError: Invalid leaf ${JSON.stringify(leaf)}`);
    }
  });
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (body += chunk))
      .on('end', () => resolve(body))
      .on('error', reject);
  });
}

/**
 * Streams a multipart/form-data body: small fields are collected, the file part is
 * handed over chunk by chunk, holding back only enough bytes to spot the boundary.
 */
async function parseMultipart(
  req: IncomingMessage,
  boundary: string,
  on: { field(name: string, value: string): void; file(chunk: Buffer): void },
): Promise<void> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buffer = Buffer.from('\r\n');
  let part: { name: string; isFile: boolean; value: Buffer[] } | null = null;
  const flushPart = () => {
    if (part && !part.isFile) on.field(part.name, Buffer.concat(part.value).toString('utf8'));
  };
  for await (const chunk of req as AsyncIterable<Buffer>) {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (part === null) {
        const start = buffer.indexOf(delimiter);
        const headersEnd = buffer.indexOf('\r\n\r\n', start);
        if (start < 0 || headersEnd < 0) break;
        const headers = buffer.subarray(start + delimiter.length, headersEnd).toString('utf8');
        if (headers.startsWith('--')) return;
        const name = /name="([^"]*)"/.exec(headers)?.[1] ?? '';
        part = { name, isFile: /filename="/.test(headers), value: [] };
        buffer = buffer.subarray(headersEnd + 4);
        continue;
      }
      const end = buffer.indexOf(delimiter);
      if (end < 0) {
        // Keep a tail that might be the start of the delimiter; pass the rest on.
        const safe = buffer.length - delimiter.length;
        if (safe > 0) {
          const data = buffer.subarray(0, safe);
          if (part.isFile) on.file(Buffer.from(data));
          else part.value.push(Buffer.from(data));
          buffer = buffer.subarray(safe);
        }
        break;
      }
      const data = buffer.subarray(0, end);
      if (part.isFile) on.file(Buffer.from(data));
      else part.value.push(Buffer.from(data));
      flushPart();
      part = null;
      buffer = buffer.subarray(end);
    }
  }
}
