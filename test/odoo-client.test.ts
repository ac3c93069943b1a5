// The Odoo client against the Odoo double over real HTTP: common, object and db services,
// every fault kind, version detection, and streamed backups through the database manager.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules, OdooClient, orm, type ModelCalls } from '../src/odoo/client.js';
import { restoreFromStream, streamBackup } from '../src/odoo/database-manager.js';
import { OdooError } from '../src/odoo/errors.js';
import { OdooServerDouble } from '../src/doubles/odoo/odoo-double.js';
import { rejectionOf } from './support/rejection.js';

let odoo: OdooServerDouble;
let baseUrl: string;
let client: OdooClient;
let admin: ModelCalls;
let demo: ModelCalls;
const MASTER = 'master-secret';

beforeAll(async () => {
  odoo = new OdooServerDouble({ masterPassword: MASTER });
  odoo.addDatabase('acme', { adminPassword: 'admin-pw', backupBytes: 5 * 1024 * 1024 + 123 });
  baseUrl = await odoo.listen();
  client = new OdooClient(baseUrl, { timeoutMs: 5000 });
  admin = client.models({ database: 'acme', login: 'admin', password: 'admin-pw' });
  demo = client.models({ database: 'acme', login: 'demo', password: 'demo' });
});
afterAll(async () => {
  await odoo?.close();
});

const odooError = (promise: Promise<unknown>) => rejectionOf(promise, OdooError);

describe('common', () => {
  it('reports the version and authenticates', async () => {
    expect(await client.version()).toEqual({
      serverVersion: '17.0-20240709',
      serverSerie: '17.0',
      major: 17,
      protocolVersion: 1,
    });
    expect(await client.authenticate({ database: 'acme', login: 'admin', password: 'admin-pw' })).toBe(2);
    expect(await client.authenticate({ database: 'acme', login: 'admin', password: 'wrong' })).toBeNull();
    const missing = await odooError(client.authenticate({ database: 'nope', login: 'admin', password: 'x' }));
    expect(missing).toMatchObject({ kind: 'server_error', faultCode: 1 });
    expect(missing.message).toMatch(/database "nope" does not exist$/);
    expect(await client.about()).toBe('See http://openerp.com');
  });
});

describe('object', () => {
  it('searches, reads, creates, writes, counts, describes and deletes records', async () => {
    const id = await orm.create(admin, 'res.partner', { name: 'Deco Addict', email: 'deco@example.com' });
    const [a, b] = (await admin.execute('res.partner', 'create', [
      [{ name: 'Azure Interior' }, { name: 'Gemini Furniture' }],
    ])) as number[];
    await orm.write(admin, 'res.partner', [a!], { parent_id: id });
    expect(await orm.search(admin, 'res.partner', [['name', 'ilike', 'deco']])).toEqual([id]);
    expect(await orm.searchCount(admin, 'res.partner', [['id', 'in', [id, a, b]]])).toBe(3);
    const [azure] = await orm.read(admin, 'res.partner', [a!], ['name', 'parent_id', 'email']);
    expect(azure).toEqual({ id: a, name: 'Azure Interior', parent_id: [id, 'Deco Addict'], email: false });
    expect(await orm.searchRead(admin, 'res.partner', [['name', '=', 'Gemini Furniture']], ['name'])).toEqual([
      { id: b, name: 'Gemini Furniture' },
    ]);
    expect(await orm.read(admin, 'res.partner', [99_999], ['name'])).toEqual([]);
    expect((await orm.fieldsGet(admin, 'res.partner')).parent_id).toEqual({
      string: 'Related Company',
      type: 'many2one',
    });
    expect(await orm.unlink(admin, 'res.partner', [b!])).toBe(true);
    expect(await orm.search(admin, 'res.partner', [['id', '=', b]])).toEqual([]);
  });

  it("turns each kind of Odoo fault into a typed error with Odoo's message", async () => {
    const wrongPassword = await odooError(
      client.models({ database: 'acme', login: 'admin', password: 'nope' }).execute('res.partner', 'search', [[]]),
    );
    expect(wrongPassword).toMatchObject({ kind: 'access_denied', faultCode: 3 });
    expect(await odooError(admin.execute('no.such.model', 'search', [[]]))).toMatchObject({
      kind: 'missing_model',
      faultCode: 2,
      message: "Object no.such.model doesn't exist",
    });
    expect(await odooError(admin.execute('res.partner', '_private', []))).toMatchObject({
      kind: 'access_rights',
      faultCode: 4,
      message: 'Private methods (such as _private) cannot be called remotely.',
    });
    const rights = await odooError(demo.execute('ir.config_parameter', 'search_read', [[]]));
    expect(rights).toMatchObject({ kind: 'access_rights', faultCode: 4 });
    expect(rights.message).toMatch(
      /^You are not allowed to access 'System Parameter' \(ir.config_parameter\) records\./,
    );
    const id = await orm.create(admin, 'res.partner', { name: 'Loop' });
    expect(await odooError(orm.write(admin, 'res.partner', [id], { parent_id: id }))).toMatchObject({
      kind: 'user_error',
      faultCode: 2,
      message: 'You cannot create recursive Partner hierarchies.',
    });
    await orm.unlink(admin, 'res.partner', [id]);
    const deleted = await odooError(orm.write(admin, 'res.partner', [id], { name: 'ghost' }));
    expect(deleted.kind).toBe('user_error');
    expect(deleted.message).toMatch(
      /^Record does not exist or has been deleted\.\n\(Record: res\.partner\(\d+,\), User: 2\)$/,
    );
    expect(await odooError(admin.execute('res.partner', 'frobnicate', []))).toMatchObject({
      kind: 'server_error',
      faultCode: 1,
      message: "AttributeError: The method 'res.partner.frobnicate' does not exist",
    });
  });

  it('updates the module list and installs and upgrades modules as an admin only', async () => {
    // Like Odoo: the modules on the addons path are counted, none is invented.
    expect(await modules.updateList(admin)).toEqual({ updated: 9, added: 0 });
    const [sale] = await modules.states(admin, ['sale']);
    expect(sale).toMatchObject({ name: 'sale', state: 'uninstalled', latestVersion: false });
    await modules.install(admin, [sale!.id]);
    expect((await modules.states(admin, ['sale']))[0]).toMatchObject({ state: 'installed', latestVersion: '17.0.1.0' });
    await modules.upgrade(admin, [sale!.id]);
    expect(await odooError(modules.install(demo, [sale!.id]))).toMatchObject({ kind: 'access_denied', faultCode: 3 });
  });
});

describe('db', () => {
  it('lists, creates, duplicates, renames, dumps, restores and drops databases', async () => {
    expect(await client.listDatabases()).toEqual(['acme']);
    expect(await client.databaseExists('acme')).toBe(true);
    expect((await client.listLanguages())[0]).toEqual(['en_US', 'English (US)']);
    expect(await client.serverVersion()).toBe('17.0-20240709');
    expect((await client.listCountries(MASTER)).length).toBeGreaterThan(0);

    await client.createDatabase(MASTER, { name: 'fresh', adminPassword: 'pw', adminLogin: 'boss' });
    expect(await client.authenticate({ database: 'fresh', login: 'boss', password: 'pw' })).toBe(2);
    await client.duplicateDatabase(MASTER, 'fresh', 'fresh-staging', true);
    expect(odoo.databases.get('fresh-staging')?.neutralized).toBe(true);
    await client.renameDatabase(MASTER, 'fresh-staging', 'staging');
    expect(await client.listDatabases()).toEqual(['acme', 'fresh', 'staging']);

    odoo.databases.get('fresh')!.backupBytes = 300_000;
    await orm.create(client.models({ database: 'fresh', login: 'boss', password: 'pw' }), 'res.partner', {
      name: 'Kept in the dump',
    });
    const dump = await client.dumpDatabase(MASTER, 'fresh');
    expect(dump.length).toBe(300_000);
    expect(dump.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    expect((await client.dumpDatabase(MASTER, 'fresh', 'dump')).subarray(0, 5).toString('latin1')).toBe('PGDMP');
    await client.restoreDatabase(MASTER, 'fresh-copy', dump, true);
    expect(odoo.databases.get('fresh-copy')?.restored).toEqual({
      bytes: 300_000,
      sha256: createHash('sha256').update(dump).digest('hex'),
    });
    const copied = client.models({ database: 'fresh-copy', login: 'boss', password: 'pw' });
    expect(await orm.searchCount(copied, 'res.partner', [['name', '=', 'Kept in the dump']])).toBe(1);
    await client.restoreDatabase(MASTER, 'fresh-custom', await client.dumpDatabase(MASTER, 'fresh', 'dump'));
    expect(
      await orm.searchCount(client.models({ database: 'fresh-custom', login: 'boss', password: 'pw' }), 'res.partner', [
        ['name', '=', 'Kept in the dump'],
      ]),
    ).toBe(1);
    const garbage = await odooError(client.restoreDatabase(MASTER, 'fresh-garbage', Buffer.from('not a dump at all')));
    expect(garbage).toMatchObject({ kind: 'server_error', message: "Exception: Couldn't restore database" });
    // Like Odoo, a failed restore leaves an empty database behind.
    expect(await client.databaseExists('fresh-garbage')).toBe(true);
    expect(await client.dropDatabase(MASTER, 'fresh-garbage')).toBe(true);
    expect(await client.dropDatabase(MASTER, 'fresh-custom')).toBe(true);
    const exists = await odooError(client.restoreDatabase(MASTER, 'fresh', dump));
    expect(exists).toMatchObject({ kind: 'server_error', message: 'Exception: Database already exists' });

    expect(await client.dropDatabase(MASTER, 'staging')).toBe(true);
    expect(await client.dropDatabase(MASTER, 'staging')).toBe(false);
    await client.changeMasterPassword(MASTER, MASTER);
  });

  it('refuses a wrong master password, and everything when the manager is disabled', async () => {
    // The manager's page says it: "Database deletion error: Access Denied".
    expect(await odooError(client.dropDatabase('wrong', 'acme'))).toMatchObject({
      kind: 'access_denied',
      faultCode: 3,
      message: 'Database deletion error: Access Denied',
    });
    expect(await odooError(client.listCountries('wrong'))).toMatchObject({ kind: 'access_denied' });
    odoo.listDb = false;
    try {
      expect(await odooError(client.listDatabases())).toMatchObject({ kind: 'access_denied', faultCode: 3 });
      expect(await odooError(client.createDatabase(MASTER, { name: 'xx', adminPassword: 'x' }))).toMatchObject({
        kind: 'access_denied',
      });
      // common and object keep working
      expect(await client.authenticate({ database: 'acme', login: 'admin', password: 'admin-pw' })).toBe(2);
    } finally {
      odoo.listDb = true;
    }
    expect(odoo.databases.has('acme')).toBe(true);
  });

  it('manages the databases of Odoo 20 over the HTTP manager and never calls its XML-RPC services', async () => {
    const future = new OdooServerDouble({ serverSerie: '20.0', masterPassword: MASTER });
    const url = await future.listen();
    try {
      const next = new OdooClient(url);
      await next.createDatabase(MASTER, { name: 'next', adminPassword: 'pw' });
      await next.duplicateDatabase(MASTER, 'next', 'next_copy', true);
      expect(await next.listDatabases()).toEqual(['next', 'next_copy']);
      expect(future.databases.get('next_copy')?.neutralized).toBe(true);
      expect(await next.dropDatabase(MASTER, 'next_copy')).toBe(true);
      const error = await odooError(next.renameDatabase(MASTER, 'next', 'renamed'));
      expect(error).toMatchObject({
        kind: 'unsupported',
        message: 'Odoo 20.0 has no database service (removed in Odoo 20)',
      });
      expect(future.calls.filter((call) => !call.startsWith('http.'))).toEqual([]);
    } finally {
      await future.close();
    }
  });

  it('reports a server that does not answer in time as unavailable', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const error = await odooError(
        new OdooClient(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, { timeoutMs: 200 }).version(),
      );
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect(error.message).toMatch(/timed out after 200 ms/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('database manager streams', () => {
  it('streams a backup out and back in, byte for byte', async () => {
    const backup = await streamBackup(baseUrl, { masterPassword: MASTER, database: 'acme', format: 'zip' });
    const hash = createHash('sha256');
    let bytes = 0;
    const tee = async function* () {
      for await (const chunk of backup as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    };
    await restoreFromStream(baseUrl, { masterPassword: MASTER, database: 'acme-restored', backup: tee(), copy: true });
    const expected = odoo.backupSha256('acme');
    expect(bytes).toBe(5 * 1024 * 1024 + 123);
    expect(hash.digest('hex')).toBe(expected);
    expect(odoo.databases.get('acme-restored')?.restored).toEqual({ bytes, sha256: expected });
  });

  it('reads failures out of the manager page', async () => {
    const denied = await streamBackup(baseUrl, { masterPassword: 'wrong', database: 'acme', format: 'zip' }).catch(
      (error: OdooError) => error,
    );
    expect(denied).toMatchObject({ kind: 'access_denied', message: 'Database backup error: Access Denied' });
    const exists = await restoreFromStream(baseUrl, {
      masterPassword: MASTER,
      database: 'acme',
      backup: Readable.from(odoo.backupChunks('acme')),
    }).catch((error: OdooError) => error);
    expect(exists).toMatchObject({ kind: 'refused', message: 'Database restore error: Database already exists' });
    const corrupt = [...odoo.backupChunks('acme')];
    const damaged = corrupt[1]!;
    damaged[100] = damaged[100]! ^ 0xff; // one flipped byte: the entry's CRC no longer matches
    const refused = await restoreFromStream(baseUrl, {
      masterPassword: MASTER,
      database: 'acme-corrupt',
      backup: Readable.from(corrupt),
    }).catch((error: OdooError) => error);
    // The page says `Couldn&#39;t`: the client reads it as the server meant it.
    expect(refused).toMatchObject({ kind: 'refused', message: "Database restore error: Couldn't restore database" });
    expect(odoo.databases.get('acme-corrupt')?.empty).toBe(true);
  });
});
