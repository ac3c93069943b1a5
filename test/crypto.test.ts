// Secrets at rest: envelopes bound to their row and column, and key rotation on real
// PostgreSQL that can be interrupted and re-run without losing a secret.
import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInCatalog } from '../src/providers/registry.js';
import { generateKeySpec, parseKeyRing, type KeyRing } from '../src/services/crypto/key-ring.js';
import { countStaleSecrets, rebindLegacySecrets, rotateSecrets } from '../src/services/crypto/rotate.js';
import { openInstanceSecret, setInstanceCredentials } from '../src/services/credentials/credentials.js';
import { RotateEncryptionKeyDocument } from './generated/graphql.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedCompany, seedInstances } from './support/seed.js';
import { execute, PLATFORM_TOKEN, startTestServer, TEST_PROVIDER_BASE_URL } from './support/server.js';

const slot = {
  table: 'OdooInstance',
  column: 'odooPasswordEnc',
  rowId: '3b0c9f3e-8a7e-4c59-9d5c-0b8a2a4f8e11',
  destination: 'serverUrl:https://odoo.example.com',
};

/** An envelope as servers wrote them before destinations were bound (format v1). */
function legacyEnvelope(
  keySpec: string,
  plaintext: string,
  where: { table: string; column: string; rowId: string },
): string {
  const [id, key] = keySpec.split(':') as [string, string];
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(['v1', where.table, where.column, where.rowId].join('\u0000')));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    id,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    sealed.toString('base64url'),
  ].join('.');
}

describe('key ring', () => {
  const keySpec = generateKeySpec('k1');
  const ring = parseKeyRing(keySpec);

  it('round-trips a secret, and the envelope names its key but not the secret', () => {
    const envelope = ring.encrypt('hunter2-secret', slot);
    expect(envelope).toMatch(/^v2\.k1\./);
    expect(envelope).not.toContain('hunter2');
    expect(ring.keyIdOf(envelope)).toBe('k1');
    expect(ring.decrypt(envelope, slot)).toBe('hunter2-secret');
    expect(ring.encrypt('hunter2-secret', slot)).not.toBe(envelope); // a fresh IV each time
  });

  it('refuses an envelope moved to another row or column, or tampered with', () => {
    const envelope = ring.encrypt('hunter2-secret', slot);
    expect(() => ring.decrypt(envelope, { ...slot, rowId: '3b0c9f3e-8a7e-4c59-9d5c-0b8a2a4f8e12' })).toThrow(
      /another row or column/,
    );
    expect(() => ring.decrypt(envelope, { ...slot, column: 'masterPasswordEnc' })).toThrow(/another row or column/);
    const parts = envelope.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => ring.decrypt(parts.join('.'), slot)).toThrow(/authentication failed/);
  });

  it('refuses an envelope once its destination is another one', () => {
    const envelope = ring.encrypt('hunter2-secret', slot);
    expect(() => ring.decrypt(envelope, { ...slot, destination: 'serverUrl:https://attacker.example.com' })).toThrow(
      /destination changed/,
    );
    expect(() => ring.decrypt(envelope, { ...slot, destination: '' })).toThrow(/destination changed/);
  });

  it('opens an envelope of the previous format only to bind it to a destination', () => {
    const legacy = legacyEnvelope(keySpec, 'old-secret', slot);
    expect(() => ring.decrypt(legacy, slot)).toThrow(/sealed before secrets were bound/);
    const bound = ring.reseal(legacy, slot);
    expect(bound).toMatch(/^v2\.k1\./);
    expect(ring.decrypt(bound, slot)).toBe('old-secret');
    expect(() => ring.decrypt(bound, { ...slot, destination: 'serverUrl:https://attacker.example.com' })).toThrow(
      /destination changed/,
    );
  });

  it('decrypts with older keys, seals with the first, and says which key is missing', () => {
    const old = parseKeyRing(generateKeySpec('old'));
    const sealedWithOld = old.encrypt('s3cret', slot);
    const oldSpec = generateKeySpec('old');
    expect(() => parseKeyRing(oldSpec).decrypt(sealedWithOld, slot)).toThrow(); // same id, other key
    const both = parseKeyRing(`${generateKeySpec('new')},${generateKeySpec('x')}`);
    expect(both.currentKeyId).toBe('new');
    expect(() => both.decrypt(sealedWithOld, slot)).toThrow(/key "old" is not in ENCRYPTION_KEYS/);
  });

  it('rejects malformed key specifications with a clear reason', () => {
    expect(() => parseKeyRing('')).toThrow(/no key/);
    expect(() => parseKeyRing('k1:c2hvcnQ=')).toThrow(/32 bytes/);
    const zeroKey = `${'A'.repeat(43)}=`; // base64 of 32 zero bytes
    expect(() => parseKeyRing(`k1:${zeroKey},k1:${zeroKey}`)).toThrow(/twice/);
    expect(() => parseKeyRing(`bad id:${zeroKey}`)).toThrow(/id:base64/);
  });
});

describe('rotation on PostgreSQL', () => {
  let db: TestDatabase;
  const credentialDeps = (keyRing: KeyRing) => ({
    prisma: db.prisma,
    keyRing,
    providerBaseUrl: TEST_PROVIDER_BASE_URL,
    repositoryPolicy: { allowInsecureRepositories: false },
    providers: builtInCatalog,
  });
  const oldSpec = generateKeySpec('k1');
  const oldRing = parseKeyRing(oldSpec);
  const k2Spec = generateKeySpec('k2');
  const newRing = parseKeyRing(`${k2Spec},${oldSpec}`);
  const secretCount = 120;
  let companyId: string;
  let instanceIds: string[];

  async function expectAllSecretsReadable(ring: KeyRing) {
    const rows = await db.prisma.odooInstance.findMany({ where: { companyId } });
    for (const row of rows) {
      const index = instanceIds.indexOf(row.id);
      expect(openInstanceSecret(ring, row, 'odooPasswordEnc')).toBe(`password-${index}`);
      expect(openInstanceSecret(ring, row, 'providerTokenEnc', TEST_PROVIDER_BASE_URL)).toBe(`token-${index}`);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    companyId = (await seedCompany(db.prisma, 'rotate')).id;
    instanceIds = (await seedInstances(db.prisma, companyId, secretCount / 2, 'rot')).map((instance) => instance.id);
    for (const [index, instanceId] of instanceIds.entries()) {
      await setInstanceCredentials(credentialDeps(oldRing), {
        companyId,
        instanceId,
        credentials: { odooLogin: 'admin', odooPassword: `password-${index}`, providerToken: `token-${index}` },
      });
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores only envelopes of the current key', async () => {
    const row = await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: instanceIds[0]! } });
    expect(row.odooPasswordEnc).toMatch(/^v2\.k1\./);
    expect(row.odooPasswordEnc).not.toContain('password-0');
    expect(await countStaleSecrets(db.prisma, newRing)).toBe(secretCount);
  });

  it('refuses a ciphertext copied to another row in the database', async () => {
    const [first, second] = instanceIds;
    await db.prisma
      .$executeRaw`UPDATE "OdooInstance" SET "odooPasswordEnc" = (SELECT "odooPasswordEnc" FROM "OdooInstance" WHERE id = ${first}::uuid) WHERE id = ${second}::uuid`;
    const moved = await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: second! } });
    expect(() => openInstanceSecret(oldRing, moved, 'odooPasswordEnc')).toThrow(/another row or column/);
    // Put the row's own secret back for the rotation tests below.
    await setInstanceCredentials(credentialDeps(oldRing), {
      companyId,
      instanceId: second!,
      credentials: { odooPassword: 'password-1' },
    });
  });

  it('can be interrupted midway with every secret still readable, and finishes when run again', async () => {
    const partial = await rotateSecrets(
      { prisma: db.prisma, keyRing: newRing, providerBaseUrl: TEST_PROVIDER_BASE_URL },
      { batchSize: 25, maxBatches: 2 },
    );
    expect(partial.reEncrypted).toBe(50);
    expect(partial.remaining).toBe(secretCount - 50);
    await expectAllSecretsReadable(newRing);

    const rest = await rotateSecrets(
      { prisma: db.prisma, keyRing: newRing, providerBaseUrl: TEST_PROVIDER_BASE_URL },
      { batchSize: 25 },
    );
    expect(rest).toEqual({ keyId: 'k2', reEncrypted: secretCount - 50, remaining: 0 });
    // The old key can now be dropped: the new key alone opens everything.
    await expectAllSecretsReadable(parseKeyRing(k2Spec));
    const again = await rotateSecrets({ prisma: db.prisma, keyRing: newRing, providerBaseUrl: TEST_PROVIDER_BASE_URL });
    expect(again).toEqual({ keyId: 'k2', reEncrypted: 0, remaining: 0 });
  });

  it('runs through GraphQL for the platform operator only', async () => {
    const newerSpec = generateKeySpec('k3');
    const server = await startTestServer(db.prisma, { keyRing: parseKeyRing(`${newerSpec},${k2Spec}`) });
    try {
      const result = await execute(server.httpUrl, RotateEncryptionKeyDocument, {
        token: PLATFORM_TOKEN,
        variables: { input: { batchSize: 40 } },
      });
      expect(result.data?.rotateEncryptionKey).toEqual({ keyId: 'k3', reEncrypted: secretCount, remaining: 0 });
      const admin = await seedCompany(db.prisma, 'not-platform');
      const denied = await execute(server.httpUrl, RotateEncryptionKeyDocument, { token: admin.token });
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      await expectAllSecretsReadable(parseKeyRing(newerSpec));
    } finally {
      await server.stop();
    }
  });
});

describe('secrets stored before destinations were bound', () => {
  let db: TestDatabase;
  afterAll(async () => {
    await db?.drop();
  });

  it("are bound to their row's destination at start, once, and keep working", async () => {
    db = await createTestDatabase();
    const keySpec = generateKeySpec('k1');
    const ring = parseKeyRing(keySpec);
    const companyId = (await seedCompany(db.prisma, 'legacy')).id;
    const [instance] = await seedInstances(db.prisma, companyId, 1, 'legacy');
    const repository = 'https://git.example.com/acme/odoo.git';
    const where = (column: string) => ({ table: 'OdooInstance', column, rowId: instance!.id });
    await db.prisma.odooInstance.update({
      where: { id: instance!.id },
      data: {
        gitRepositoryUrl: repository,
        gitCredentialEnc: legacyEnvelope(keySpec, 'ghp_legacy', where('gitCredentialEnc')),
        providerTokenEnc: legacyEnvelope(keySpec, 'sh-legacy', where('providerTokenEnc')),
      },
    });
    const deps = { prisma: db.prisma, keyRing: ring, providerBaseUrl: TEST_PROVIDER_BASE_URL };
    expect(await rebindLegacySecrets(deps)).toEqual({ keyId: 'k1', reEncrypted: 2, remaining: 0 });
    expect(await rebindLegacySecrets(deps)).toEqual({ keyId: 'k1', reEncrypted: 0, remaining: 0 });
    const row = await db.prisma.odooInstance.findUniqueOrThrow({ where: { id: instance!.id } });
    expect(openInstanceSecret(ring, row, 'gitCredentialEnc')).toBe('ghp_legacy');
    expect(openInstanceSecret(ring, row, 'providerTokenEnc', TEST_PROVIDER_BASE_URL)).toBe('sh-legacy');
    // Bound now: the same envelope refuses a moved repository or another provider API.
    expect(() =>
      openInstanceSecret(ring, { ...row, gitRepositoryUrl: 'https://attacker.example.com/x.git' }, 'gitCredentialEnc'),
    ).toThrow(/destination changed/);
    expect(() => openInstanceSecret(ring, row, 'providerTokenEnc', 'https://attacker.example.com/api')).toThrow(
      /destination changed/,
    );
  });
});
