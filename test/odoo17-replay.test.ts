// Replays the real Odoo 17 exchanges (test/fixtures/odoo17-exchanges, a copy of the shared
// recording with its README) against the Odoo double,
// in the recorded order: each answer must have the recording's shape (types and keys),
// or the same fault code and the same last line of the fault string. Exchanges 52-54
// (uploads of dumps too large to keep) have no request to replay.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Deserializer from 'xmlrpc/lib/deserializer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';

const RECORDING = join(import.meta.dirname, 'fixtures', 'odoo17-exchanges');

type Answer = { fault: { code: number; lastLine: string } } | { shape: unknown };

function answerOf(xml: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    new Deserializer().deserializeMethodResponse(
      Readable.from([xml]),
      (error: (Error & { faultCode?: number; faultString?: string }) | null, value: unknown) => {
        if (error?.faultCode !== undefined)
          resolve({
            fault: { code: error.faultCode, lastLine: String(error.faultString).trim().split('\n').pop()!.trim() },
          });
        else if (error) reject(error);
        else resolve({ shape: shapeOf(value) });
      },
    );
  });
}

/** Types and keys, not values: ids, dates and counts differ between servers (a list is the set of its items' shapes). */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value))
    return [...new Set(value.map((item) => JSON.stringify(shapeOf(item))))]
      .sort()
      .map((item) => JSON.parse(item) as unknown);
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  return value instanceof Date ? 'datetime' : typeof value;
}

/** The service an exchange went to, from its recorded name. */
const serviceOf = (name: string) => (/^\d+-db-/.test(name) ? 'db' : /^\d+-common-/.test(name) ? 'common' : 'object');

const exchanges = readdirSync(RECORDING)
  .filter((file) => file.endsWith('.req.xml') && existsSync(join(RECORDING, file.replace('.req.xml', '.resp.xml'))))
  .map((file) => file.replace('.req.xml', ''))
  .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));

let odoo: OdooServerDouble;
let url: string;

beforeAll(async () => {
  // The recorded server: master password, database t1 with its admin, and the two
  // databases the left-out uploads (52-54) restored.
  odoo = new OdooServerDouble({ masterPassword: 'masterpw' });
  for (const name of ['t1', 't1_restored', 't1_restored_fc']) odoo.addDatabase(name, { adminPassword: 'adminpw' });
  url = await odoo.listen();
});
afterAll(async () => {
  await odoo?.close();
});

describe('the Odoo double against the real Odoo 17 recording', () => {
  it('has every exchange that has a request', () => {
    // 43-49, 50, 55-66, 85-100 of the recording; 51's answer and 52-54's uploads were left out for size.
    expect(exchanges).toHaveLength(36);
  });

  it.each(exchanges.map((name) => [name]))('%s', async (name) => {
    const request = readFileSync(join(RECORDING, `${name}.req.xml`));
    const response = await fetch(`${url}/xmlrpc/2/${serviceOf(name)}`, {
      method: 'POST',
      body: request,
      headers: { 'content-type': 'text/xml' },
    });
    expect(response.status).toBe(200);
    expect(await answerOf(await response.text())).toEqual(
      await answerOf(readFileSync(join(RECORDING, `${name}.resp.xml`), 'utf8')),
    );
  });
});
