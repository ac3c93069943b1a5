// The Odoo double's web routes, as the Odoo 19 recording answers them (shared/
// odoo19-exchanges 01-11, 92-120) and as they are in 16-18: the version routes, the
// HTTP database manager (create, duplicate, drop, list; failures as an HTTP 200 page
// whose `.alert-danger` holds the escaped message, success as a 303 redirect), and the
// web session through which an API key is made (res.users.apikeys.description create →
// make_key → res.users.identitycheck run_check with the password).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DoubleDatabase } from './odoo-double.js';

export interface WebHost {
  databases: Map<string, DoubleDatabase>;
  major: number;
  listDb: boolean;
  masterPassword: string;
  calls: string[];
  versionInfo(): { server_version: string; server_version_info: unknown[]; server_serie: string; protocol_version: number };
  /** the db service's methods (faults thrown as `{faultCode, faultString}`) */
  db(method: string, params: unknown[]): unknown;
}

/** The manager page with an alert: how Odoo reports a failed database action (HTTP 200). */
export function managerErrorPage(res: ServerResponse, message: string): void {
  // QWeb escapes the message, quotes included: `Couldn&#39;t restore database`.
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    .end(`<!DOCTYPE html><html><body><div class="alert alert-danger" role="alert">${escaped}</div><form action="/web/database/backup"></form></body></html>`);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${location}">${location}</a>. If not, click the link.\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req.setEncoding('utf8') as AsyncIterable<string>) body += chunk;
  return body;
}

/** The message a db-service fault shows on the manager page. */
function faultText(thrown: unknown): string {
  if (thrown && typeof thrown === 'object' && 'faultString' in thrown) {
    const last = String((thrown as { faultString: unknown }).faultString).trim().split('\n').pop()!.trim();
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

function jsonRpc(res: ServerResponse, id: unknown, outcome: { result: unknown } | { error: { name: string; message: string } }): void {
  const body = 'result' in outcome
    ? { jsonrpc: '2.0', id, result: outcome.result }
    : { jsonrpc: '2.0', id, error: { code: 200, message: 'Odoo Server Error', data: { name: outcome.error.name, message: outcome.error.message, arguments: [outcome.error.message], context: {}, debug: `${outcome.error.name}: ${outcome.error.message}\n` } } };
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Answers a /web/ route; false when the route is not one of these (the caller goes on). */
export async function handleWeb(host: WebHost, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const info = host.versionInfo();
  if (req.method === 'GET' && (path === '/web/version' || path === '/json/version')) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ version_info: info.server_version_info, version: info.server_serie }));
    return true;
  }
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
        fail("Houston, we have a database naming issue! Make sure you only use letters, numbers, underscores, hyphens, or dots in the database name, and you'll be golden.");
        return true;
      }
      // Odoo reads the form's fields by name (a missing one is a KeyError), then the db service checks the master password.
      for (const field of ['login', 'password', 'lang', 'phone']) if (!form.has(field)) return (fail(`'${field}'`), true);
      if (!host.listDb || master !== host.masterPassword) return (fail('Access Denied'), true);
      if (host.databases.has(name)) return (fail(`database '${name}' already exists!`), true);
      try {
        await host.db('create_database', [master, name, Boolean(form.get('demo')), form.get('lang'), form.get('password'), form.get('login'), form.get('country_code') || false, form.get('phone')]);
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
        await host.db('duplicate_database', [master, name, target, host.major >= 17 && Boolean(form.get('neutralize_database'))]);
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
    if (!host.listDb) return (jsonRpc(res, request.id, { error: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } }), true);
    return (jsonRpc(res, request.id, { result: [...host.databases.keys()].sort() }), true);
  }
  const sessions = sessionsOf.get(host) ?? new Map<string, Session>();
  sessionsOf.set(host, sessions);
  if (path === '/web/session/authenticate') {
    const database = host.databases.get(String(params.db));
    const user = database?.users.find((candidate) => candidate.login === params.login && candidate.password === params.password && candidate.active);
    if (!database || !user) return (jsonRpc(res, request.id, { error: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } }), true);
    const sid = randomBytes(30).toString('base64url');
    sessions.set(sid, { database: database.name, uid: user.id, pending: new Map() });
    res.setHeader('set-cookie', `session_id=${sid}; HttpOnly; Path=/`);
    jsonRpc(res, request.id, { result: { uid: user.id, is_admin: user.admin, db: database.name, username: user.login, server_version: info.server_serie, server_version_info: info.server_version_info } });
    return true;
  }
  const call = /^\/web\/dataset\/call_kw\/([^/]+)\/([^/]+)$/.exec(path);
  if (call) {
    const session = sessions.get(/(?:^|;\s*)session_id=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '');
    const database = session && host.databases.get(session.database);
    const user = database?.users.find((candidate) => candidate.id === session!.uid);
    if (!session || !database || !user) return (jsonRpc(res, request.id, { error: { name: 'odoo.http.SessionExpiredException', message: 'Session expired' } }), true);
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
      return (jsonRpc(res, request.id, { result: { type: 'ir.actions.act_window', res_model: 'res.users.identitycheck', res_id: id, name: 'Access Control', target: 'new', views: [[false, 'form']], context: { dialog_size: 'medium' } } }), true);
    }
    if (model === 'res.users.identitycheck' && method === 'run_check') {
      const [id] = args[0] as number[];
      const password = (kwargs.context as { password?: unknown } | undefined)?.password;
      if (!session.pending.has(id!)) return (jsonRpc(res, request.id, { error: { name: 'odoo.exceptions.MissingError', message: 'Record does not exist or has been deleted.' } }), true);
      if (password !== user.password) {
        return (jsonRpc(res, request.id, { error: { name: 'odoo.exceptions.UserError', message: 'Incorrect Password, try again or click on Forgot Password to reset your password.' } }), true);
      }
      session.pending.delete(id!);
      const key = randomBytes(20).toString('hex');
      database.apiKeys.set(key, user.id);
      return (jsonRpc(res, request.id, { result: { type: 'ir.actions.act_window', res_model: 'res.users.apikeys.show', name: 'API Key Ready', views: [[false, 'form']], target: 'new', context: { default_key: key } } }), true);
    }
    return (jsonRpc(res, request.id, { error: { name: 'builtins.AttributeError', message: `The method '${model}.${method}' does not exist` } }), true);
  }
  return false;
}
