// XML-RPC calls to Odoo's /xmlrpc/2/<service> endpoints (faults arrive with HTTP 200 and
// an integer faultCode). One request per call, aborted at the timeout.
import xmlrpc from 'xmlrpc';
import { errorFromFault, OdooError, OdooTimeoutError } from './errors.js';

export type OdooService = 'common' | 'object' | 'db';

export interface XmlRpcOptions {
  baseUrl: string;
  timeoutMs?: number;
}

export function createXmlRpcCaller(options: XmlRpcOptions) {
  const base = new URL(options.baseUrl);
  const secure = base.protocol === 'https:';
  const timeoutMs = options.timeoutMs ?? 30_000;
  /** `callTimeoutMs` replaces the default bound for calls Odoo takes minutes over. */
  return function call(
    service: OdooService,
    method: string,
    params: unknown[],
    callTimeoutMs = timeoutMs,
  ): Promise<unknown> {
    const signal = AbortSignal.timeout(callTimeoutMs);
    const clientOptions = {
      host: base.hostname,
      port: Number(base.port || (secure ? 443 : 80)),
      path: `${base.pathname.replace(/\/$/, '')}/xmlrpc/2/${service}`,
      signal,
    };
    const client = secure ? xmlrpc.createSecureClient(clientOptions) : xmlrpc.createClient(clientOptions);
    return new Promise((resolve, reject) => {
      client.methodCall(method, params, (raw: object | null, value: unknown) => {
        if (!raw) return resolve(value);
        const error = raw as Error & { faultCode?: unknown; faultString?: unknown };
        if (error.faultCode !== undefined) return reject(errorFromFault(error.faultCode, error.faultString));
        const where = `${service}.${method} on ${base.host}`;
        // A call that timed out may still be running on the server: callers read the state before repeating it.
        reject(
          signal.aborted
            ? new OdooTimeoutError(`${where}: timed out after ${callTimeoutMs} ms`)
            : new OdooError('unavailable', `${where}: ${error.message}`),
        );
      });
    });
  };
}

export type XmlRpcCaller = ReturnType<typeof createXmlRpcCaller>;
