// Making an API key for a user from its password, as the Odoo web client does it
// (recorded on Odoo 19, shared/odoo19-exchanges 07-11): log in a web session, create a
// key description, ask for the key, and pass the identity check with the password; the
// key is in the answer's `context.default_key` and is never shown again by Odoo.
import { OdooError } from './errors.js';
import { jsonRpc } from './json-rpc.js';

export interface ApiKeyRequest {
  database: string;
  login: string;
  password: string;
  /** the name the key has in the user's preferences */
  description: string;
}

export async function createApiKey(baseUrl: string, request: ApiKeyRequest, timeoutMs = 30_000): Promise<string> {
  const session = await jsonRpc(
    baseUrl,
    '/web/session/authenticate',
    { db: request.database, login: request.login, password: request.password },
    { timeoutMs },
  );
  if (!session.cookie) throw new OdooError('server_error', `${baseUrl} opened no web session for "${request.login}"`);
  const call = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) =>
    jsonRpc(
      baseUrl,
      `/web/dataset/call_kw/${model}/${method}`,
      { model, method, args, kwargs },
      { timeoutMs, cookie: session.cookie! },
    ).then((answer) => answer.result);
  // duration "0": a key that does not expire (the fleet replaces it with the credentials).
  const description = await call('res.users.apikeys.description', 'create', [
    { name: request.description, duration: '0' },
  ]);
  const check = (await call('res.users.apikeys.description', 'make_key', [[description]])) as { res_id?: unknown };
  const shown = (await call('res.users.identitycheck', 'run_check', [[check.res_id]], {
    context: { password: request.password },
  })) as { context?: { default_key?: unknown } };
  const key = shown.context?.default_key;
  if (typeof key !== 'string' || !key)
    throw new OdooError('server_error', `${baseUrl} made no API key for "${request.login}"`);
  return key;
}
