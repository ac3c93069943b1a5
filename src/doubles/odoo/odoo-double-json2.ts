// The Odoo double's JSON-2 API (Odoo 19+), as the Odoo 19 recording answers it
// (shared/odoo19-exchanges 12-52, 107-108): POST /json/2/<model>/<method>, bearer API
// key, X-Odoo-Database, named parameters bound to the method's signature, the bare
// result, and errors as `{name, message, arguments, context, debug}` with Odoo's statuses
// (HTML pages for what fails before routing).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DoubleDatabase, DoubleUser } from './double-database.js';

interface Signature {
  /** a record method: `ids` name the records (a model method refuses them) */
  records?: boolean;
  /** the parameters, in order */
  params: string[];
  required?: string[];
  /** how many leading parameters the double's model code reads positionally */
  positional: number;
}

const SIGNATURES: Record<string, Signature> = {
  search: { params: ['domain', 'offset', 'limit', 'order'], required: ['domain'], positional: 1 },
  search_read: { params: ['domain', 'fields', 'offset', 'limit', 'order', 'load'], positional: 1 },
  search_count: { params: ['domain', 'limit'], required: ['domain'], positional: 1 },
  read: { records: true, params: ['fields', 'load'], positional: 0 },
  write: { records: true, params: ['vals'], required: ['vals'], positional: 1 },
  unlink: { records: true, params: [], positional: 0 },
  create: { params: ['vals_list'], required: ['vals_list'], positional: 1 },
  fields_get: { params: ['allfields', 'attributes'], positional: 0 },
  name_search: { params: ['name', 'domain', 'operator', 'limit'], positional: 1 },
  read_group: {
    params: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'],
    required: ['domain', 'fields', 'groupby'],
    positional: 1,
  },
  get_param: { params: ['key', 'default'], required: ['key'], positional: 2 },
  set_param: { params: ['key', 'value'], required: ['key', 'value'], positional: 2 },
  update_list: { params: [], positional: 0 },
  context_get: { params: [], positional: 0 },
  button_immediate_install: { records: true, params: [], positional: 0 },
  button_immediate_upgrade: { records: true, params: [], positional: 0 },
  button_immediate_uninstall: { records: true, params: [], positional: 0 },
  import_module: { records: true, params: [], positional: 0 },
};

/** Methods Odoo refuses to expose although their names have no underscore. */
const PRIVATE = new Set(['exists', 'browse', 'with_context', 'sudo', 'with_user', 'ensure_one']);

const MODELS = new Set([
  'res.partner',
  'res.users',
  'ir.module.module',
  'ir.config_parameter',
  'base.import.module',
  'ir.attachment',
  'mail.mail',
  'ir.cron',
  'ir.logging',
]);

/** What the double is and holds, as the JSON-2 route needs it. */
export interface Json2Host {
  databases: Map<string, DoubleDatabase>;
  major: number;
  callModel(
    database: DoubleDatabase,
    user: DoubleUser,
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): unknown;
}

class Json2Failure extends Error {
  constructor(
    readonly status: number,
    readonly exception: string,
    message: string,
    readonly html = false,
  ) {
    super(message);
  }
}

const notFound = (message: string) => new Json2Failure(404, 'werkzeug.exceptions.NotFound', message);
const unprocessable = (message: string) => new Json2Failure(422, 'werkzeug.exceptions.UnprocessableEntity', message);
const unauthorized = (message: string) => new Json2Failure(401, 'werkzeug.exceptions.Unauthorized', message);

const NO_DATABASE_PAGE =
  '<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the X-Odoo-Database header. -->\n';

/** An XML-RPC-style fault of the model code as the JSON-2 error Odoo 19 sends for it. */
function failureOfFault(thrown: { faultCode: number; faultString: string }): Json2Failure {
  const text = thrown.faultString;
  switch (thrown.faultCode) {
    case 2:
      if (text.startsWith('Record does not exist')) return new Json2Failure(404, 'odoo.exceptions.MissingError', text);
      if (/^Object \S+ doesn't exist/.test(text)) return notFound(text);
      return new Json2Failure(
        422,
        text.startsWith('The operation cannot be completed')
          ? 'odoo.exceptions.ValidationError'
          : 'odoo.exceptions.UserError',
        text,
      );
    case 3:
      return new Json2Failure(403, 'odoo.exceptions.AccessDenied', text);
    case 4:
      return new Json2Failure(403, 'odoo.exceptions.AccessError', text);
    default: {
      // The last line of a traceback: "ValueError: Invalid field ..."
      const last = text.trim().split('\n').pop()!.trim();
      const match = /^([\w.]+): ([\s\S]*)$/.exec(last);
      const name = match ? (match[1]!.includes('.') ? match[1]! : `builtins.${match[1]}`) : 'builtins.Exception';
      return new Json2Failure(500, name, match ? match[2]! : last);
    }
  }
}

function send(res: ServerResponse, failure: Json2Failure): void {
  if (failure.html) {
    res.writeHead(failure.status, { 'content-type': 'text/html; charset=utf-8' }).end(failure.message);
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (failure.status === 401) headers['www-authenticate'] = 'Bearer';
  const body = {
    name: failure.exception,
    message: failure.message,
    arguments: failure.exception.startsWith('werkzeug.') ? [failure.message, failure.status] : [failure.message],
    context: {},
    debug: `Traceback (most recent call last):\n  File "/opt/odoo/addons/rpc/controllers/json2.py", line 69, in web_json_2_rpc\n${failure.exception}: ${failure.message}\n`,
  };
  res.writeHead(failure.status, headers).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req.setEncoding('utf8') as AsyncIterable<string>) body += chunk;
  return body;
}

export async function handleJson2(
  host: Json2Host,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const result = await answer(host, path, req);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(result));
  } catch (thrown) {
    if (thrown instanceof Json2Failure) return send(res, thrown);
    if (thrown && typeof thrown === 'object' && 'faultCode' in thrown)
      return send(res, failureOfFault(thrown as { faultCode: number; faultString: string }));
    send(res, new Json2Failure(500, 'builtins.Exception', String(thrown)));
  }
}

async function answer(host: Json2Host, path: string, req: IncomingMessage): Promise<unknown> {
  const route = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(path);
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const cookie = /(?:^|;\s*)session_id=/.test(header('cookie') ?? '');
  const databaseName = header('x-odoo-database');
  // Before routing: the database is chosen, then the content type checked (HTML answers).
  if (cookie && databaseName)
    throw new Json2Failure(
      403,
      '',
      '<!doctype html>\n<html lang=en>\n<title>403 Forbidden</title>\n<h1>Forbidden</h1>\n<p>Cannot use both the session_id cookie and the x-odoo-database header.</p>\n',
      true,
    );
  const database = databaseName
    ? host.databases.get(databaseName)
    : host.databases.size === 1
      ? [...host.databases.values()][0]
      : undefined;
  if (!database) throw new Json2Failure(404, '', NO_DATABASE_PAGE, true);
  if (req.method !== 'POST' || !route) throw notFound('Did you mean POST /json/2/<model>/<method>?');
  if (!(header('content-type') ?? '').startsWith('application/json')) {
    throw new Json2Failure(
      415,
      '',
      '<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.<br><br>Please verify the Content-Type request header and try again.</p>\n',
      true,
    );
  }
  const bearer = /^bearer\s+(\S+)$/i.exec(header('authorization') ?? '')?.[1];
  if (!bearer)
    throw unauthorized(
      cookie
        ? 'Missing "Authorization" or Sec-headers for interactive usage.'
        : 'User not authenticated, use an API Key with a Bearer Authorization header.',
    );
  const userId = database.apiKeys.get(bearer);
  const user = database.users.find((candidate) => candidate.id === userId && candidate.active);
  if (!user) throw unauthorized('Invalid apikey');

  const raw = await readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Json2Failure(
      400,
      'werkzeug.exceptions.BadRequest',
      `could not parse the body as json: ${raw.trim() ? 'Expecting value: line 1 column 1 (char 0)' : (error as Error).message}`,
    );
  }
  const params = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;

  const [, model, method] = route.map(decodeURIComponent) as [string, string, string];
  if (!MODELS.has(model)) throw notFound(`the model '${model}' does not exist`);
  if (method.startsWith('_') || PRIVATE.has(method)) {
    throw new Json2Failure(
      403,
      'odoo.exceptions.AccessError',
      `Private methods (such as '${model}.${method}') cannot be called remotely.`,
    );
  }
  const signature = SIGNATURES[method];
  if (!signature) throw notFound(`The method '${model}.${method}' does not exist`);
  const { ids, context: _context, ...named } = params;
  if (ids !== undefined && !signature.records) throw unprocessable(`cannot call ${model}.${method} with ids`);
  for (const name of Object.keys(named))
    if (!signature.params.includes(name)) throw unprocessable(`got an unexpected keyword argument '${name}'`);
  for (const name of signature.required ?? [])
    if (!(name in named)) throw unprocessable(`missing a required argument: '${name}'`);

  const positional = signature.params.slice(0, signature.positional).map((name) => named[name]);
  while (positional.length && positional[positional.length - 1] === undefined) positional.pop();
  const kwargs = Object.fromEntries(
    signature.params
      .slice(signature.positional)
      .filter((name) => name in named)
      .map((name) => [name, named[name]]),
  );
  if (database.empty)
    throw { faultCode: 1, faultString: 'psycopg2.errors.UndefinedTable: relation "ir_module_module" does not exist' };
  const args = signature.records ? [(ids as number[] | undefined) ?? [], ...positional] : positional;
  const result = await host.callModel(database, user, model, method, args, kwargs);
  // A record method returning None answers null; create answers the new records' ids.
  if (method === 'create' && !Array.isArray(result)) return [result];
  return result ?? null;
}
