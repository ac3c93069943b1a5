// Odoo's HTTP database manager: create, duplicate and drop take a form; POST
// /web/database/backup streams the file out; POST /web/database/restore takes a
// multipart upload. Each answers an HTML page (HTTP 200) when it fails.
// node:http is used rather than fetch: its socket backpressure keeps a backup of any
// size to a few chunks in memory (measured in bench/backup-stream.ts).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { OdooError, OdooTimeoutError, transportFailure } from './errors.js';
import { htmlText } from './html-text.js';

export type BackupFormat = 'zip' | 'dump';

function open(url: URL, headers: OutgoingHttpHeaders) {
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  return { request, response };
}

async function text(response: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of response.setEncoding('utf8') as AsyncIterable<string>) body += chunk;
  return body;
}

/** The error a manager page shows (its `.alert-danger`), as a typed error. */
export function failureFromPage(status: number | undefined, html: string, action: string): OdooError {
  // The manager page shows the error in an alert; keep its text, not the page.
  const alert = /<div[^>]*alert[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1];
  const message = (alert && htmlText(alert)) || `${action} failed with HTTP ${status}`;
  // An alert is the manager's considered answer; a page without one is the server failing.
  const kind = /access denied/i.test(message) ? 'access_denied' : alert && status === 200 ? 'refused' : 'server_error';
  return new OdooError(kind, message, kind === 'access_denied' ? 3 : null);
}

async function failureOf(response: IncomingMessage, action: string): Promise<OdooError> {
  return failureFromPage(response.statusCode, await text(response), action);
}

/**
 * Posts a form to one of the manager's actions (create, duplicate, drop): a 303 redirect
 * is success, a page is the failure it shows. Every version has these routes; from Odoo
 * 20 on they are the only way to manage databases.
 */
export async function managerAction(
  baseUrl: string,
  action: 'create' | 'duplicate' | 'drop',
  form: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const where = `${action} of ${form.name ?? form.new_name} on ${new URL(baseUrl).host}`;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let page: string;
  try {
    response = await fetch(new URL(`/web/database/${action}`, baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
      signal,
    });
    page = await response.text();
  } catch (error) {
    // The server may still be building the database: callers read the state before repeating.
    if (signal.aborted) throw new OdooTimeoutError(`${where}: timed out after ${timeoutMs} ms`);
    throw transportFailure(where, error);
  }
  if (response.status === 303 || response.status === 302) return;
  if (response.status >= 502 && response.status <= 504)
    throw new OdooError('unavailable', `${where}: HTTP ${response.status}`);
  throw failureFromPage(response.status, page, `Database ${action}`);
}

const unavailable = (what: string) => (error: Error) => {
  throw new OdooError('unavailable', `${what}: ${error.message}`);
};

/** The backup as a stream; nothing of it is held in memory beyond the socket's buffer. */
export async function streamBackup(
  baseUrl: string,
  request: { masterPassword: string; database: string; format: BackupFormat },
): Promise<Readable> {
  const form = new URLSearchParams({
    master_pwd: request.masterPassword,
    name: request.database,
    backup_format: request.format,
  }).toString();
  const { request: outgoing, response } = open(new URL('/web/database/backup', baseUrl), {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': Buffer.byteLength(form),
  });
  outgoing.end(form);
  const incoming = await response.catch(unavailable(`backup of ${request.database}`));
  const type = incoming.headers['content-type'] ?? '';
  if (incoming.statusCode !== 200 || type.startsWith('text/html')) throw await failureOf(incoming, 'Backup');
  return incoming;
}

/** Uploads a backup stream as a new database, writing no faster than the server reads. */
export async function restoreFromStream(
  baseUrl: string,
  request: {
    masterPassword: string;
    database: string;
    backup: AsyncIterable<Uint8Array>;
    copy?: boolean;
    filename?: string;
  },
): Promise<void> {
  const boundary = `----odoofleet${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const { request: outgoing, response } = open(new URL('/web/database/restore', baseUrl), {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'transfer-encoding': 'chunked',
  });
  const answered = response.catch(unavailable(`restore of ${request.database}`));
  try {
    outgoing.write(
      field('master_pwd', request.masterPassword) +
        field('name', request.database) +
        field('copy', request.copy ? 'true' : 'false') +
        `--${boundary}\r\nContent-Disposition: form-data; name="backup_file"; filename="${request.filename ?? 'backup.zip'}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    for await (const chunk of request.backup) {
      if (!outgoing.write(chunk)) await once(outgoing, 'drain');
    }
    outgoing.end(`\r\n--${boundary}--\r\n`);
  } catch (error) {
    outgoing.destroy();
    await answered.catch(() => {});
    throw error instanceof OdooError
      ? error
      : new OdooError('unavailable', `restore of ${request.database}: ${(error as Error).message}`);
  }
  const incoming = await answered;
  // Success is a redirect back to the manager; a failure renders the manager with an alert.
  if (incoming.statusCode === 303 || incoming.statusCode === 302) {
    incoming.resume();
    return;
  }
  throw await failureOf(incoming, 'Restore');
}
