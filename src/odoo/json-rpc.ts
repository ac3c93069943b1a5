// Odoo's web JSON-RPC routes (`{"jsonrpc": "2.0", "method": "call", "params": ...}`),
// which every version from 16 on answers: the version, the database list and the web
// session. Errors arrive with HTTP 200 and an `error.data.name` naming the exception.
import { OdooError, OdooTimeoutError, transportFailure } from './errors.js';

export interface JsonRpcAnswer {
  result: unknown;
  /** the session cookie the server set, if any */
  cookie: string | null;
}

export async function jsonRpc(
  baseUrl: string,
  path: string,
  params: Record<string, unknown>,
  options: { timeoutMs: number; cookie?: string },
): Promise<JsonRpcAnswer> {
  const where = `${path} on ${new URL(baseUrl).host}`;
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  let body: { result?: unknown; error?: { data?: { name?: string; message?: string }; message?: string } };
  try {
    response = await fetch(`${baseUrl.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.cookie ? { cookie: options.cookie } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params, id: 1 }),
      signal,
    });
    if (response.status >= 500 || response.status === 404)
      throw new OdooError('unavailable', `${where}: HTTP ${response.status}`);
    body = (await response.json()) as typeof body;
  } catch (error) {
    if (error instanceof OdooError) throw error;
    if (signal.aborted) throw new OdooTimeoutError(`${where}: timed out after ${options.timeoutMs} ms`);
    throw transportFailure(where, error);
  }
  if (body.error) {
    const name = body.error.data?.name ?? '';
    const message = body.error.data?.message ?? body.error.message ?? 'Odoo Server Error';
    if (name.endsWith('AccessDenied')) throw new OdooError('access_denied', message, 3);
    if (name.endsWith('AccessError')) throw new OdooError('access_rights', message, 4);
    if (/UserError|ValidationError|MissingError/.test(name)) throw new OdooError('user_error', message, 2);
    throw new OdooError('server_error', message, 1);
  }
  const cookie = /session_id=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0] ?? null;
  return { result: body.result, cookie };
}
