// The Odoo client over JSON-2 (Odoo 19 and 20 doubles, real HTTP): the transport the
// version chooses, named arguments, every error status as the same typed error XML-RPC
// gives, the version asked once per server, and an API key made from the password
// through the web session as the Odoo 19 recording shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/odoo/api-keys.js';
import { modules, OdooClient, OdooVersionCache, orm, type ModelCalls } from '../src/odoo/client.js';
import { OdooError } from '../src/odoo/errors.js';
import { createJson2Caller } from '../src/odoo/json2-transport.js';
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';
import { rejectionOf } from './support/rejection.js';

const MASTER = 'masterpw';
const odooError = (promise: Promise<unknown>) => rejectionOf(promise, OdooError);

let odoo19: OdooServerDouble;
let url: string;
let key: string;
let admin: ModelCalls;
const versions = new OdooVersionCache();

beforeAll(async () => {
  odoo19 = new OdooServerDouble({ serverSerie: '19.0', masterPassword: MASTER });
  odoo19.addDatabase('t1', { adminPassword: 'adminpw' });
  url = await odoo19.listen();
  key = odoo19.addApiKey('t1');
  admin = new OdooClient(url, { timeoutMs: 5000, versions }).models({
    database: 't1',
    login: 'admin',
    password: 'adminpw',
    apiKey: key,
  });
});
afterAll(async () => {
  await odoo19?.close();
});

describe('model calls over JSON-2', () => {
  it('are chosen on Odoo 19 when an API key is known, and carry the same calls as XML-RPC', async () => {
    const client = new OdooClient(url, { versions });
    expect(await client.transport({ apiKey: key })).toBe('json2');
    expect(await client.transport({})).toBe('xmlrpc');
    const before = odoo19.calls.length;
    const id = await orm.create(admin, 'res.partner', { name: 'Probe Partner', email: 'probe@example.com' });
    expect(typeof id).toBe('number');
    await orm.write(admin, 'res.partner', [id], { email: 'other@example.com' });
    expect(await orm.read(admin, 'res.partner', [id], ['name', 'email'])).toEqual([
      { id, name: 'Probe Partner', email: 'other@example.com' },
    ]);
    expect(await orm.search(admin, 'res.partner', [['name', '=', 'Probe Partner']], { limit: 5 })).toEqual([id]);
    expect(await orm.searchCount(admin, 'res.partner', [['id', '=', id]])).toBe(1);
    expect(await admin.execute('ir.config_parameter', 'set_param', ['fleet.probe', 'yes'])).toBe(true);
    expect(await admin.execute('ir.config_parameter', 'get_param', ['fleet.probe'])).toBe('yes');
    const [sale] = await modules.states(admin, ['sale']);
    await modules.install(admin, [sale!.id]);
    expect((await modules.states(admin, ['sale']))[0]).toMatchObject({ state: 'installed' });
    expect(await orm.unlink(admin, 'res.partner', [id])).toBe(true);
    expect(await orm.read(admin, 'res.partner', [id], ['name'])).toEqual([]);
    // Every call went to /json/2; none to XML-RPC.
    expect(odoo19.calls.slice(before).every((call) => call.startsWith('json2.'))).toBe(true);
    expect(odoo19.calls.slice(before)).toContain('json2.ir.module.module/button_immediate_install');
  });

  it('raises the typed error of each status the recording shows', async () => {
    // 404 missing model, 422 validation, 404 MissingError, 403 private method, 500 bad domain
    expect(await odooError(admin.execute('no.such.model', 'search', [[]]))).toMatchObject({
      kind: 'missing_model',
      faultCode: 2,
      message: "the model 'no.such.model' does not exist",
    });
    expect(await odooError(orm.create(admin, 'res.partner', { email: 'x@y.z' }))).toMatchObject({
      kind: 'user_error',
      faultCode: 2,
    });
    expect(await odooError(orm.write(admin, 'res.partner', [999_999], { name: 'x' }))).toMatchObject({
      kind: 'user_error',
      message: expect.stringMatching(/^Record does not exist or has been deleted/),
    });
    const call = createJson2Caller({ baseUrl: url, database: 't1', apiKey: key });
    expect(await odooError(call('res.partner', '_read', { ids: [1] }))).toMatchObject({
      kind: 'access_rights',
      faultCode: 4,
    });
    // A method the client knows no parameter names of is refused before anything is sent.
    expect(await odooError(admin.execute('res.partner', 'message_post', ['x']))).toMatchObject({
      kind: 'server_error',
      message: expect.stringMatching(/no parameter names known/),
    });
    expect(await odooError(orm.search(admin, 'res.partner', [['no_such_field', '=', 1]]))).toMatchObject({
      kind: 'server_error',
      message: expect.stringMatching(/^Invalid field res.partner.no_such_field/),
    });
    // 401 bad key
    const wrong = new OdooClient(url, { versions }).models({
      database: 't1',
      login: 'admin',
      password: 'adminpw',
      apiKey: '0'.repeat(40),
    });
    expect(await odooError(orm.searchCount(wrong, 'res.partner', []))).toMatchObject({
      kind: 'access_denied',
      faultCode: 3,
      message: 'Invalid apikey',
    });
    // 404 HTML page: the database is not on the server
    const nowhere = new OdooClient(url, { versions }).models({
      database: 'nosuchdb',
      login: 'admin',
      password: 'adminpw',
      apiKey: key,
    });
    expect(await odooError(orm.searchCount(nowhere, 'res.partner', []))).toMatchObject({
      kind: 'server_error',
      message: 'database "nosuchdb" does not exist',
    });
    // 422 arguments that do not bind, 400 a body that is not JSON
    expect(await odooError(call('res.partner', 'search_count', { domain: [], bogus: 1 }))).toMatchObject({
      kind: 'server_error',
      message: "got an unexpected keyword argument 'bogus'",
    });
    const unparsable = await fetch(`${url}/json/2/res.partner/search`, {
      method: 'POST',
      body: 'not json',
      headers: { 'content-type': 'application/json', authorization: `bearer ${key}` },
    });
    expect(unparsable.status).toBe(400);
  });

  it('reports a server that stopped as unavailable', async () => {
    const gone = new OdooClient('http://127.0.0.1:9', { timeoutMs: 500 });
    expect(await odooError(gone.version())).toMatchObject({ kind: 'unavailable' });
  });
});

describe('versions and transports', () => {
  it('asks a server its version once, however many clients ask', async () => {
    const asked = () => odoo19.calls.filter((call) => call === 'http./web/webclient/version_info').length;
    const cache = new OdooVersionCache();
    const before = asked();
    const [a, b] = [new OdooClient(url, { versions: cache }), new OdooClient(`${url}/`, { versions: cache })];
    expect(await a.detectVersion()).toEqual({
      serverVersion: '19.0-20240709',
      serverSerie: '19.0',
      major: 19,
      protocolVersion: 1,
    });
    await b.detectVersion();
    await orm.searchCount(
      b.models({ database: 't1', login: 'admin', password: 'adminpw', apiKey: key }),
      'res.partner',
      [],
    );
    expect(asked() - before).toBe(1);
  });

  it('asks again once the answer is older than its bound (a server upgraded in place)', async () => {
    let now = 0;
    const cache = new OdooVersionCache({ maxAgeMs: 1000, now: () => now });
    const answers = ['19.0', '20.0'];
    const load = async () => ({
      serverVersion: answers[0]!,
      serverSerie: answers[0]!,
      major: Number.parseInt(answers.shift()!, 10),
      protocolVersion: 1,
    });
    expect((await cache.get(url, load)).major).toBe(19);
    now = 999;
    expect((await cache.get(url, load)).major).toBe(19);
    now = 1000;
    expect((await cache.get(url, load)).major).toBe(20);
  });

  it('drives Odoo 17 over XML-RPC and Odoo 20 over JSON-2 only', async () => {
    const odoo17 = new OdooServerDouble({ serverSerie: '17.0' });
    const odoo20 = new OdooServerDouble({ serverSerie: '20.0' });
    odoo17.addDatabase('db');
    odoo20.addDatabase('db');
    const [url17, url20] = [await odoo17.listen(), await odoo20.listen()];
    try {
      const old = new OdooClient(url17).models({
        database: 'db',
        login: 'admin',
        password: 'admin',
        apiKey: 'ignored-before-19',
      });
      expect(await orm.searchCount(old, 'res.users', [['share', '=', false]])).toBe(2);
      expect(odoo17.calls).toContain('object.execute_kw');
      const next = new OdooClient(url20);
      expect(
        await odooError(
          orm.searchCount(next.models({ database: 'db', login: 'admin', password: 'admin' }), 'res.users', []),
        ),
      ).toMatchObject({ kind: 'access_denied', message: expect.stringMatching(/JSON-2 only, which needs an API key/) });
      const withKey = next.models({
        database: 'db',
        login: 'admin',
        password: 'admin',
        apiKey: odoo20.addApiKey('db'),
      });
      expect(await orm.searchCount(withKey, 'res.users', [['share', '=', false]])).toBe(2);
      // Odoo 20 has no /xmlrpc/2 in the double: nothing was sent there.
      expect((await fetch(`${url20}/xmlrpc/2/common`, { method: 'POST', body: '<methodCall/>' })).status).toBe(404);
    } finally {
      await odoo17.close();
      await odoo20.close();
    }
  });
});

describe('API keys', () => {
  it('are made from the password through a web session and work on JSON-2', async () => {
    const made = await createApiKey(url, { database: 't1', login: 'admin', password: 'adminpw', description: 'fleet' });
    expect(made).toMatch(/^[0-9a-f]{40}$/);
    const calls = new OdooClient(url, { versions }).models({
      database: 't1',
      login: 'admin',
      password: 'unused',
      apiKey: made,
    });
    expect(await calls.execute('res.users', 'context_get', [])).toEqual({ lang: 'en_US', tz: false, uid: 2 });
    expect(
      await odooError(createApiKey(url, { database: 't1', login: 'admin', password: 'wrong', description: 'fleet' })),
    ).toMatchObject({ kind: 'access_denied' });
  });
});
