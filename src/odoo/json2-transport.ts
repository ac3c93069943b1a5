// Odoo's JSON-2 API (Odoo 19 and later): POST /json/2/<model>/<method> with a bearer API
// key and the database in X-Odoo-Database, the method's parameters by name in a JSON
// object, the bare result back. Errors come with real HTTP statuses (JSON bodies
// `{name, message, ...}`, or HTML pages for what fails before routing); they become the
// same typed errors the XML-RPC transport raises, so callers cannot tell the two apart.
import { OdooError, type OdooFaultKind, OdooTimeoutError, transportFailure } from './errors.js';
import { htmlText } from './html-text.js';

export interface Json2Options {
  baseUrl: string;
  database: string;
  apiKey: string;
  timeoutMs?: number;
}

interface Json2ErrorBody {
  name?: unknown;
  message?: unknown;
}

/** The typed error of a JSON-2 answer that is not a success (statuses as Odoo 19 sends them). */
export function errorFromJson2(status: number, body: unknown, where: string): OdooError {
  const json = body && typeof body === 'object' ? (body as Json2ErrorBody) : undefined;
  const name = typeof json?.name === 'string' ? json.name : '';
  const message =
    typeof json?.message === 'string'
      ? json.message
      : typeof body === 'string'
        ? htmlText(body.replace(/<title>[\s\S]*?<\/title>/i, ''))
        : '';
  const text = message || `${where}: HTTP ${status}`;
  const kind = ((): OdooFaultKind => {
    if (status === 401) return 'access_denied';
    if (status === 403) return json ? 'access_rights' : 'server_error';
    if (status === 404 && name === 'odoo.exceptions.MissingError') return 'user_error';
    // An unknown model answers 404 "the model 'x' does not exist"; an unknown method is a server error, as fault 1 is.
    if (status === 404 && /^the model '[^']+' does not exist/.test(text)) return 'missing_model';
    if (status === 422 && name.startsWith('odoo.exceptions.')) return 'user_error';
    if (status === 502 || status === 503 || status === 504) return 'unavailable';
    return 'server_error';
  })();
  const faultCode =
    kind === 'access_denied'
      ? 3
      : kind === 'access_rights'
        ? 4
        : kind === 'user_error' || kind === 'missing_model'
          ? 2
          : kind === 'server_error'
            ? 1
            : null;
  return new OdooError(kind, text, faultCode);
}

export function createJson2Caller(options: Json2Options) {
  const base = options.baseUrl.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  return async function call(
    model: string,
    method: string,
    params: Record<string, unknown>,
    callTimeoutMs = timeoutMs,
  ): Promise<unknown> {
    const where = `${model}.${method} on ${new URL(base).host}`;
    const signal = AbortSignal.timeout(callTimeoutMs);
    let response: Response;
    let raw: string;
    try {
      response = await fetch(`${base}/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `bearer ${options.apiKey}`,
          'x-odoo-database': options.database,
        },
        body: JSON.stringify(params),
        signal,
      });
      raw = await response.text();
    } catch (error) {
      // A call that timed out may still be running on the server: callers read the state before repeating it.
      if (signal.aborted) throw new OdooTimeoutError(`${where}: timed out after ${callTimeoutMs} ms`);
      throw transportFailure(where, error);
    }
    const isJson = (response.headers.get('content-type') ?? '').startsWith('application/json');
    let body: unknown = raw;
    if (isJson) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        throw new OdooError('server_error', `${where}: the answer is not JSON (HTTP ${response.status})`);
      }
    }
    if (response.status === 200 && isJson) return body;
    if (response.status === 404 && !isJson && /No database is selected/.test(raw)) {
      // Answered before routing: the database named in X-Odoo-Database is not on the server.
      throw new OdooError('server_error', `database "${options.database}" does not exist`, 1);
    }
    throw errorFromJson2(response.status, body, where);
  };
}

export type Json2Caller = ReturnType<typeof createJson2Caller>;
