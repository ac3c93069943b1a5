// Replays the real Odoo 19 exchanges (test/fixtures/odoo19-exchanges, a copy of the
// shared recording with its README) against an Odoo 19 double, in the recorded order:
// version routes, the database manager, the web session that makes an API key, every
// JSON-2 status, module install and the /doc-bearer catalogue. Each answer must have
// the recording's status, the same error name and message, the same manager alert or
// redirect, and results of the same shape (types and keys; ids and counts differ).
// The recording masks the API key and holds the session cookie of its own server: the
// replay sends the key and cookie the double gave in exchanges 07 and 11 instead.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';

const RECORDING = join(import.meta.dirname, 'fixtures', 'odoo19-exchanges');

interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}
interface RecordedAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  body_digest?: Record<string, unknown>;
}

const exchanges = readdirSync(RECORDING)
  .filter((file) => file.endsWith('.req.json'))
  .map((file) => file.replace('.req.json', ''))
  .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));

const read = <T>(file: string) => JSON.parse(readFileSync(join(RECORDING, file), 'utf8')) as T;

/** Types and keys, not values (a list is the set of its items' shapes). */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value))
    return [...new Set(value.map((item) => JSON.stringify(shapeOf(item))))]
      .sort()
      .map((item) => JSON.parse(item) as unknown);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  return value === null ? 'null' : typeof value;
}

/** The alert of a database manager page, as the page has it (entities included). */
const alertOf = (html: string) => /<div[^>]*alert-danger[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1]?.trim();

let odoo: OdooServerDouble;
let url: string;
/** what the double gave where the recording has its own: the API key and the session cookie */
const live: { apiKey?: string; cookie?: string; backup?: Buffer } = {};

beforeAll(async () => {
  // The recorded server: empty at first (its database t1 is created in exchange 05).
  odoo = new OdooServerDouble({ serverSerie: '19.0', masterPassword: 'masterpw' });
  url = await odoo.listen();
});
afterAll(async () => {
  await odoo?.close();
});

/** The request as the double should get it: live key and cookie, form and file bodies encoded. */
function requestOf(name: string, recorded: Recorded): { headers: Record<string, string>; body?: string | FormData } {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(recorded.headers)) {
    if (key.toLowerCase() === 'authorization' && value.includes('<masked>')) headers[key] = `bearer ${live.apiKey}`;
    else if (key.toLowerCase() === 'cookie') headers[key] = live.cookie ?? value;
    else headers[key] = value;
  }
  const body = recorded.body as
    { form?: Record<string, string>; files?: Record<string, { filename: string; bytes: number }> } | string | null;
  if (recorded.method === 'GET') return { headers };
  if (body && typeof body === 'object' && 'files' in body && body.files) {
    // The multipart uploads: the double's own zip of t1 (as the recording sent t1's), or bytes that are no dump.
    delete headers['Content-Type'];
    const form = new FormData();
    for (const [key, value] of Object.entries(body.form ?? {})) form.append(key, value);
    for (const [key, file] of Object.entries(body.files)) {
      const bytes = file.bytes < 100 ? Buffer.from('this is not a backup') : live.backup!;
      form.append(key, new Blob([new Uint8Array(bytes)]), file.filename);
    }
    return { headers, body: form };
  }
  if (body && typeof body === 'object' && 'form' in body && body.form)
    return { headers, body: new URLSearchParams(body.form).toString() };
  if (typeof body === 'string') return { headers, body };
  void name;
  return { headers, body: JSON.stringify(body) };
}

describe('the Odoo double against the real Odoo 19 recording', () => {
  it('has all 85 exchanges', () => {
    expect(exchanges).toHaveLength(85);
  });

  it.each(exchanges.map((name) => [name]))('%s', async (name) => {
    const recorded = read<Recorded>(`${name}.req.json`);
    const expected = read<RecordedAnswer>(`${name}.resp.json`);
    const { headers, body } = requestOf(name, recorded);
    const response = await fetch(`${url}${recorded.path}`, {
      method: recorded.method,
      headers,
      body,
      redirect: 'manual',
    });
    const type = response.headers.get('content-type') ?? '';
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(expected.status);

    const cookie = /session_id=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
    if (recorded.path === '/web/session/authenticate' && cookie) live.cookie = cookie;

    const want = expected.body as Record<string, unknown> | unknown[] | string | null;
    if (expected.status === 303) {
      expect(response.headers.get('location')).toBe(expected.headers.Location);
      return;
    }
    if (want && typeof want === 'object' && 'alert_danger_text' in want) {
      expect(alertOf(bytes.toString('utf8'))).toBe(want.alert_danger_text);
      return;
    }
    if (want && typeof want === 'object' && 'first_bytes_hex' in want) {
      // A backup: a zip (with dump.sql and manifest.json) or a pg_dump custom-format file.
      expect(bytes.subarray(0, 4).toString('hex')).toBe(String(want.first_bytes_hex).slice(0, 8));
      expect(response.headers.get('content-disposition')).toMatch(
        new RegExp(`\\.${String(want.content_disposition).split('.').pop()}$`),
      );
      if (String(want.first_bytes_hex).startsWith('504b')) live.backup = bytes;
      return;
    }
    if (expected.body_digest) {
      const index = JSON.parse(bytes.toString('utf8')) as { modules: string[]; models: unknown[] };
      expect(index.modules).toEqual(expect.arrayContaining(['base', 'rpc', 'api_doc']));
      expect(index.models.length).toBeGreaterThan(0);
      return;
    }
    if (typeof want === 'string') {
      // HTML: an error page before routing (its title and first paragraph), or a page of the web client (its title).
      expect(type).toMatch(/^text\/html/);
      const title = (html: string) => /<title>([^<]*)/.exec(html)?.[1];
      const paragraph = (html: string) => /<p>([^<]*)/.exec(html)?.[1];
      expect(title(bytes.toString('utf8'))).toBe(title(want));
      if (response.status >= 400) expect(paragraph(bytes.toString('utf8'))).toBe(paragraph(want));
      return;
    }
    if (recorded.path.startsWith('/doc')) {
      // The catalogue: the recording lists its 105 models with every field; the double a few, in the same layout.
      const got = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      expect(Object.keys(got).sort()).toEqual(Object.keys(want as object).sort());
      return;
    }
    const got = JSON.parse(bytes.toString('utf8')) as unknown;
    if (
      recorded.path.startsWith('/web/dataset/call_kw/') &&
      (got as { result?: { context?: { default_key?: string } } }).result?.context?.default_key
    ) {
      live.apiKey = (got as { result: { context: { default_key: string } } }).result.context.default_key;
    }
    const isJson2Error = response.status !== 200 && want && typeof want === 'object' && 'name' in want;
    if (isJson2Error) {
      expect({ name: (got as { name: string }).name, message: (got as { message: string }).message }).toEqual({
        name: want.name,
        message: want.message,
      });
      return;
    }
    const rpcError =
      want && typeof want === 'object' && 'error' in want
        ? (want as { error: { data: { name: string; message: string } } }).error.data
        : undefined;
    if (rpcError) {
      expect((got as { error?: { data?: unknown } }).error?.data).toMatchObject({
        name: rpcError.name,
        message: rpcError.message,
      });
      return;
    }
    const result = (value: unknown) =>
      value && typeof value === 'object' && 'jsonrpc' in value
        ? (value as unknown as { result: unknown }).result
        : value;
    expect(shapeOf(result(got))).toEqual(shapeOf(result(want)));
  });
});
