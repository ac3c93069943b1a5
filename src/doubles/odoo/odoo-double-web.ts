// The Odoo double's web routes, as the Odoo 19 recording answers them (shared/
// odoo19-exchanges 01-11, 92-120) and as they are in 16-18: the version routes, the
// HTTP database manager (create, duplicate, drop, list; failures as an HTTP 200 page
// whose `.alert-danger` holds the escaped message, success as a 303 redirect), and the
// web session through which an API key is made (res.users.apikeys.description create →
// make_key → res.users.identitycheck run_check with the password).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DoubleDatabase } from './double-database.js';

export interface WebHost {
  databases: Map<string, DoubleDatabase>;
  major: number;
  listDb: boolean;
  masterPassword: string;
  calls: string[];
  versionInfo(): {
    server_version: string;
    server_version_info: unknown[];
    server_serie: string;
    protocol_version: number;
  };
  /** the db service's methods (faults thrown as `{faultCode, faultString}`) */
  db(method: string, params: unknown[]): unknown;
}

/** The manager page with an alert: how Odoo reports a failed database action (HTTP 200). */
export function managerErrorPage(res: ServerResponse, message: string): void {
  // QWeb escapes the message, quotes included: `Couldn&#39;t restore database`.
  const escaped = message
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;');
  res
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    .end(
      `<!DOCTYPE html><html><body><div class="alert alert-danger" role="alert">${escaped}</div><form action="/web/database/backup"></form></body></html>`,
    );
}

function redirect(res: ServerResponse, location: string): void {
  res
    .writeHead(303, { location, 'content-type': 'text/html; charset=utf-8' })
    .end(
      `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${location}">${location}</a>. If not, click the link.\n`,
    );
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req.setEncoding('utf8') as AsyncIterable<string>) body += chunk;
  return body;
}

/** The message a db-service fault shows on the manager page. */
function faultText(thrown: unknown): string {
  if (thrown && typeof thrown === 'object' && 'faultString' in thrown) {
    const last = String((thrown as { faultString: unknown }).faultString)
      .trim()
      .split('\n')
      .pop()!
      .trim();
    return last.replace(/^[\w.]+: /, '');
  }
  return String(thrown);
}

const DATABASE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

interface Session {
  database: string;
  uid: number;
  /** API key descriptions and identity checks waiting for the password */
  pending: Map<number, { name: string }>;
}
const sessionsOf = new WeakMap<WebHost, Map<string, Session>>();

function sessionsFor(host: WebHost): Map<string, Session> {
  const sessions = sessionsOf.get(host) ?? new Map<string, Session>();
  sessionsOf.set(host, sessions);
  return sessions;
}

/** What /web/session/authenticate answers (the keys and types Odoo 19 sends). */
function sessionInfo(
  database: DoubleDatabase,
  user: DoubleDatabase['users'][number],
  info: ReturnType<WebHost['versionInfo']>,
) {
  const name = user.admin ? 'Administrator' : user.login;
  return {
    uid: user.id,
    is_system: user.admin,
    is_admin: user.admin,
    is_public: false,
    is_internal_user: !user.share,
    user_context: { lang: 'en_US', tz: false, uid: user.id },
    db: database.name,
    registry_hash: '0'.repeat(64),
    user_settings: { id: 1, embedded_actions_config_ids: {}, user_id: { id: user.id } },
    server_version: info.server_serie,
    server_version_info: info.server_version_info,
    support_url: 'https://www.odoo.com/buy',
    name,
    username: user.login,
    quick_login: true,
    partner_write_date: '2026-06-01 12:00:00',
    partner_display_name: name,
    partner_id: user.id + 1,
    'web.base.url': 'http://localhost:8069',
    active_ids_limit: 20000,
    profile_session: null,
    profile_collectors: null,
    profile_params: null,
    max_file_upload_size: 134217728,
    home_action_id: false,
    currencies: { 1: { name: 'USD', symbol: '$', position: 'before', digits: [69, 2] } },
    bundle_params: { lang: 'en_US' },
    test_mode: false,
    view_info: Object.fromEntries(
      [
        ['list', 'List', 'oi oi-view-list', true],
        ['form', 'Form', 'fa fa-address-card', false],
        ['graph', 'Graph', 'fa fa-area-chart', true],
        ['pivot', 'Pivot', 'oi oi-view-pivot', true],
        ['calendar', 'Calendar', 'fa fa-calendar', true],
        ['kanban', 'Kanban', 'oi oi-view-kanban', true],
        ['search', 'Search', 'oi oi-search', true],
      ].map(([type, display_name, icon, multi_record]) => [type, { display_name, icon, multi_record }]),
    ),
    groups: { 'base.group_allow_export': user.admin },
    user_companies: {
      current_company: 1,
      allowed_companies: {
        1: { id: 1, name: 'My Company', sequence: 0, child_ids: [], parent_id: false, currency_id: 1 },
      },
      disallowed_ancestor_companies: {},
    },
    show_effect: true,
    websocket_worker_version: info.server_serie,
    tour_enabled: false,
    current_tour: false,
  };
}

/** The modules and models the double's catalogue (api_doc, Odoo 19+) lists. */
const DOC_MODULES = [
  'base',
  'base_sparse_field',
  'rpc',
  'web',
  'api_doc',
  'base_import',
  'base_import_module',
  'base_setup',
  'bus',
];
const DOC_MODELS = [
  { model: 'res.partner', name: 'Contact' },
  { model: 'res.users', name: 'User' },
  { model: 'ir.module.module', name: 'Module' },
];

/** /doc-bearer/*.json with the bearer key, /doc/*.json and /doc with a web session (api_doc). */
function apiDoc(host: WebHost, path: string, req: IncomingMessage, res: ServerResponse): boolean {
  if (host.major < 19) return false;
  const bearer = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const sid = /(?:^|;\s*)session_id=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const known = path.startsWith('/doc-bearer/')
    ? [...host.databases.values()].some((database) => bearer !== undefined && database.apiKeys.has(bearer))
    : sid !== undefined && sessionsFor(host).has(sid);
  if (!known) {
    res
      .writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' })
      .end(JSON.stringify({ name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey' }));
    return true;
  }
  if (path === '/doc') {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        '<!DOCTYPE html>\n<html style="height: 100%;">\n    <head>\n        <title>Odoo Runtime Doc</title>\n    </head>\n    <body></body>\n</html>',
      );
    return true;
  }
  const file = /^\/doc(?:-bearer)?\/(.+)\.json$/.exec(path)?.[1];
  const body =
    file === 'index'
      ? {
          modules: DOC_MODULES,
          models: DOC_MODELS.map((model) => ({
            ...model,
            fields: { id: { string: 'ID', type: 'integer' } },
            methods: ['search', 'read'],
          })),
        }
      : DOC_MODELS.some((model) => model.model === file)
        ? {
            model: file,
            name: DOC_MODELS.find((model) => model.model === file)!.name,
            doc: null,
            fields: { id: { name: 'id', type: 'integer', readonly: true, required: false } },
            methods: { search: { api: ['model'], signature: '(domain, offset=0, limit=None, order=None)' } },
          }
        : undefined;
  if (!body) {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Not Found</h1>');
    return true;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  return true;
}

function jsonRpc(
  res: ServerResponse,
  id: unknown,
  outcome: { result: unknown } | { error: { name: string; message: string } },
): void {
  const body =
    'result' in outcome
      ? { jsonrpc: '2.0', id, result: outcome.result }
      : {
          jsonrpc: '2.0',
          id,
          error: {
            code: 200,
            message: 'Odoo Server Error',
            data: {
              name: outcome.error.name,
              message: outcome.error.message,
              arguments: [outcome.error.message],
              context: {},
              debug: `${outcome.error.name}: ${outcome.error.message}\n`,
            },
          },
        };
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Answers a /web/ route; false when the route is not one of these (the caller goes on). */
export async function handleWeb(
  host: WebHost,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const info = host.versionInfo();
  if (req.method === 'GET' && (path === '/web/version' || path === '/json/version')) {
    res
      .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ version_info: info.server_version_info, version: info.server_serie }));
    return true;
  }
  if (req.method === 'GET' && (path === '/web/database/manager' || path === '/web/database/selector')) {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        '<html>\n<head>\n    <title>Odoo</title>\n</head>\n<body><form action="/web/database/create" method="post"></form></body>\n</html>',
      );
    return true;
  }
  if (req.method === 'GET' && (path.startsWith('/doc-bearer/') || path.startsWith('/doc/') || path === '/doc'))
    return apiDoc(host, path, req, res);
  if (req.method !== 'POST') return false;
  if (path === '/web/database/backup' || path === '/web/database/restore') return false;

  if (path === '/web/database/create' || path === '/web/database/duplicate' || path === '/web/database/drop') {
    host.calls.push(`http.${path}`);
    const form = new URLSearchParams(await readBody(req));
    const master = form.get('master_pwd');
    const name = form.get('name') ?? '';
    if (path === '/web/database/create') {
      const fail = (message: string) => managerErrorPage(res, `Database creation error: ${message}`);
      if (!DATABASE_NAME.test(name)) {
        fail(
          "Houston, we have a database naming issue! Make sure you only use letters, numbers, underscores, hyphens, or dots in the database name, and you'll be golden.",
        );
        return true;
      }
      // Odoo reads the form's fields by name (a missing one is a KeyError), then the db service checks the master password.
      for (const field of ['login', 'password', 'lang', 'phone'])
        if (!form.has(field)) return (fail(`'${field}'`), true);
      if (!host.listDb || master !== host.masterPassword) return (fail('Access Denied'), true);
      if (host.databases.has(name)) return (fail(`database '${name}' already exists!`), true);
      try {
        await host.db('create_database', [
          master,
          name,
          Boolean(form.get('demo')),
          form.get('lang'),
          form.get('password'),
          form.get('login'),
          form.get('country_code') || false,
          form.get('phone'),
        ]);
      } catch (thrown) {
        return (fail(faultText(thrown)), true);
      }
      redirect(res, host.major >= 17 ? '/odoo' : '/web');
      return true;
    }
    if (path === '/web/database/duplicate') {
      const fail = (message: string) => managerErrorPage(res, `Database duplication error: ${message}`);
      const target = form.get('new_name') ?? '';
      if (!host.listDb || master !== host.masterPassword) return (fail('Access Denied'), true);
      if (host.databases.has(target)) return (fail(`database "${target}" already exists`), true);
      try {
        await host.db('duplicate_database', [
          master,
          name,
          target,
          host.major >= 17 && Boolean(form.get('neutralize_database')),
        ]);
      } catch (thrown) {
        return (fail(faultText(thrown)), true);
      }
      redirect(res, '/web/database/manager');
      return true;
    }
    // drop: a missing database is no error either.
    if (!host.listDb || master !== host.masterPassword) {
      managerErrorPage(res, 'Database deletion error: Access Denied');
      return true;
    }
    await host.db('drop', [master, name]);
    redirect(res, '/web/database/manager');
    return true;
  }

  // JSON-RPC routes
  let request: { id?: unknown; params?: Record<string, unknown> };
  try {
    request = JSON.parse(await readBody(req)) as typeof request;
  } catch {
    return false;
  }
  const params = request.params ?? {};
  if (path === '/web/webclient/version_info') {
    host.calls.push('http./web/webclient/version_info');
    return (jsonRpc(res, request.id, { result: info }), true);
  }
  if (path === '/web/database/list') {
    host.calls.push('http./web/database/list');
    if (!host.listDb)
      return (
        jsonRpc(res, request.id, { error: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } }),
        true
      );
    return (jsonRpc(res, request.id, { result: [...host.databases.keys()].sort() }), true);
  }
  const sessions = sessionsFor(host);
  if (path === '/web/session/authenticate') {
    const database = host.databases.get(String(params.db));
    const user = database?.users.find(
      (candidate) => candidate.login === params.login && candidate.password === params.password && candidate.active,
    );
    if (!database || !user)
      return (
        jsonRpc(res, request.id, { error: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } }),
        true
      );
    const sid = randomBytes(30).toString('base64url');
    sessions.set(sid, { database: database.name, uid: user.id, pending: new Map() });
    res.setHeader('set-cookie', `session_id=${sid}; HttpOnly; Path=/`);
    jsonRpc(res, request.id, { result: sessionInfo(database, user, info) });
    return true;
  }
  const call = /^\/web\/dataset\/call_kw\/([^/]+)\/([^/]+)$/.exec(path);
  if (call) {
    const session = sessions.get(/(?:^|;\s*)session_id=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '');
    const database = session && host.databases.get(session.database);
    const user = database?.users.find((candidate) => candidate.id === session!.uid);
    if (!session || !database || !user)
      return (
        jsonRpc(res, request.id, { error: { name: 'odoo.http.SessionExpiredException', message: 'Session expired' } }),
        true
      );
    const [, model, method] = call as unknown as [string, string, string];
    const args = (params.args as unknown[]) ?? [];
    const kwargs = (params.kwargs as Record<string, unknown>) ?? {};
    const nextId = () => session.pending.size + 1;
    if (model === 'res.users.apikeys.description' && method === 'create') {
      const id = nextId();
      session.pending.set(id, { name: String((args[0] as { name?: unknown }).name ?? '') });
      return (jsonRpc(res, request.id, { result: id }), true);
    }
    if (model === 'res.users.apikeys.description' && method === 'make_key') {
      const [id] = args[0] as number[];
      return (
        jsonRpc(res, request.id, {
          result: {
            type: 'ir.actions.act_window',
            res_model: 'res.users.identitycheck',
            res_id: id,
            name: 'Access Control',
            target: 'new',
            views: [[false, 'form']],
            context: { dialog_size: 'medium' },
          },
        }),
        true
      );
    }
    if (model === 'res.users.identitycheck' && method === 'run_check') {
      const [id] = args[0] as number[];
      const password = (kwargs.context as { password?: unknown } | undefined)?.password;
      if (!session.pending.has(id!))
        return (
          jsonRpc(res, request.id, {
            error: { name: 'odoo.exceptions.MissingError', message: 'Record does not exist or has been deleted.' },
          }),
          true
        );
      if (password !== user.password) {
        return (
          jsonRpc(res, request.id, {
            error: {
              name: 'odoo.exceptions.UserError',
              message: 'Incorrect Password, try again or click on Forgot Password to reset your password.',
            },
          }),
          true
        );
      }
      session.pending.delete(id!);
      const key = randomBytes(20).toString('hex');
      database.apiKeys.set(key, user.id);
      return (
        jsonRpc(res, request.id, {
          result: {
            type: 'ir.actions.act_window',
            res_model: 'res.users.apikeys.show',
            name: 'API Key Ready',
            views: [[false, 'form']],
            target: 'new',
            context: { default_key: key },
          },
        }),
        true
      );
    }
    return (
      jsonRpc(res, request.id, {
        error: { name: 'builtins.AttributeError', message: `The method '${model}.${method}' does not exist` },
      }),
      true
    );
  }
  return false;
}
