// Odoo's HTTP database manager, for backups too large for one XML-RPC string:
// POST /web/database/backup streams the file out; POST /web/database/restore takes a
// multipart upload. Both answer an HTML page (HTTP 200) when they fail.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { OdooError } from './errors.js';

export type BackupFormat = 'zip' | 'dump';

async function failureOf(response: Response, action: string): Promise<OdooError> {
  const html = await response.text();
  // The manager page shows the error in an alert; keep its text, not the page.
  const alert = /<div[^>]*alert[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1]?.replace(/<[^>]+>/g, '').trim();
  const message = alert || `${action} failed with HTTP ${response.status}`;
  return new OdooError(/access denied/i.test(message) ? 'access_denied' : 'server_error', message);
}

/** The backup as a stream; nothing of it is held in memory. */
export async function streamBackup(
  baseUrl: string,
  request: { masterPassword: string; database: string; format: BackupFormat },
): Promise<Readable> {
  const response = await fetch(new URL('/web/database/backup', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ master_pwd: request.masterPassword, name: request.database, backup_format: request.format }),
  }).catch((error: Error) => {
    throw new OdooError('unavailable', `backup of ${request.database}: ${error.message}`);
  });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || type.startsWith('text/html') || !response.body) throw await failureOf(response, 'Backup');
  return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

/** Uploads a backup stream as a new database, streaming the multipart body. */
export async function restoreFromStream(
  baseUrl: string,
  request: { masterPassword: string; database: string; backup: AsyncIterable<Uint8Array>; copy?: boolean; filename?: string },
): Promise<void> {
  const boundary = `----odoofleet${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  async function* body(): AsyncGenerator<Uint8Array> {
    yield field('master_pwd', request.masterPassword);
    yield field('name', request.database);
    yield field('copy', request.copy ? 'true' : 'false');
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="backup_file"; filename="${request.filename ?? 'backup.zip'}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    yield* request.backup;
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  const response = await fetch(new URL('/web/database/restore', baseUrl), {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Readable.toWeb(Readable.from(body())) as unknown as BodyInit,
    duplex: 'half',
    redirect: 'manual',
  } as RequestInit).catch((error: Error) => {
    throw new OdooError('unavailable', `restore of ${request.database}: ${error.message}`);
  });
  // Success is a redirect back to the manager; a failure renders the manager with an alert.
  if (response.status === 303 || response.status === 302) return;
  throw await failureOf(response, 'Restore');
}
