// Operator commands for bootstrapping and maintenance, run against DATABASE_URL (or the
// embedded database): `npm run cli -- <command> [--flag value ...]`.
import { odooShDestination } from './doubles/odoo-sh/in-process.js';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import type { Role } from './generated/prisma/enums.js';
import { createApiKey, revokeApiKey } from './services/api-keys/api-keys.js';
import { recordAudit } from './services/audit/audit.js';
import { createCompany } from './services/companies/companies.js';
import { generateKeySpec } from './services/crypto/key-ring.js';
import { loadKeyRing } from './services/crypto/load-key-ring.js';
import { rotateSecrets } from './services/crypto/rotate.js';
import { DomainError } from './services/errors.js';
import { createFleetPubSub } from './pubsub.js';

const usage = `Usage: npm run cli -- <command> [options]

  create-company --name <name> --slug <slug>
  create-api-key --company <slug> --name <name> --role ADMIN|OPERATOR|VIEWER
                 prints the token once; it is not stored
  revoke-api-key --id <api key id>
  rotate-keys [--batch-size <n>]
                 re-encrypts every secret with the first key of ENCRYPTION_KEYS
  generate-key --id <key id>
                 prints a new key to put first in ENCRYPTION_KEYS`;

const operator = { kind: 'platformAdmin' } as const;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      slug: { type: 'string' },
      company: { type: 'string' },
      role: { type: 'string' },
      id: { type: 'string' },
      'batch-size': { type: 'string' },
    },
  });
  if (command === 'generate-key') {
    console.log(generateKeySpec(values.id ?? 'k1'));
    return 0;
  }
  if (!command || !['create-company', 'create-api-key', 'revoke-api-key', 'rotate-keys'].includes(command)) {
    console.error(usage);
    return 2;
  }

  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    embeddedDataDir: config.PGLITE_DATA_DIR,
    poolSize: 2,
    migrateOnStart: config.MIGRATE_ON_START,
    shareRunningServer: true,
    log: (message) => console.error(message),
  });
  const { prisma } = database;
  try {
    switch (command) {
      case 'create-company': {
        const company = await createCompany({ prisma }, { name: values.name ?? '', slug: values.slug ?? '' });
        await recordAudit(prisma, {
          caller: operator,
          operation: 'createCompany',
          targetId: company.id,
          companyId: company.id,
          outcome: 'SUCCESS',
          details: { via: 'cli' },
        });
        console.log(`Created company ${company.slug} (${company.id}).`);
        return 0;
      }
      case 'create-api-key': {
        const company = await prisma.company.findUnique({ where: { slug: values.company ?? '' } });
        if (!company) throw new DomainError(`No company with slug "${values.company ?? ''}".`);
        const { apiKey, token } = await createApiKey(
          { prisma },
          {
            companyId: company.id,
            name: values.name ?? '',
            role: (values.role ?? '').toUpperCase() as Role,
          },
        );
        await recordAudit(prisma, {
          caller: operator,
          operation: 'createApiKey',
          targetId: apiKey.id,
          companyId: company.id,
          outcome: 'SUCCESS',
          details: { via: 'cli' },
        });
        console.log(`Created ${apiKey.role} key "${apiKey.name}" (${apiKey.id}) for ${company.slug}.`);
        console.log(`Token (shown once, store it now): ${token}`);
        return 0;
      }
      case 'revoke-api-key': {
        const key = await prisma.apiKey.findUnique({ where: { id: values.id ?? '' } }).catch(() => null);
        if (!key) throw new DomainError(`No API key with id "${values.id ?? ''}".`);
        // Open streams on running servers end when they next authenticate or with Redis fan-out.
        await revokeApiKey({ prisma, pubsub: createFleetPubSub() }, { companyId: key.companyId, apiKeyId: key.id });
        await recordAudit(prisma, {
          caller: operator,
          operation: 'revokeApiKey',
          targetId: key.id,
          companyId: key.companyId,
          outcome: 'SUCCESS',
          details: { via: 'cli' },
        });
        console.log(`Revoked API key ${key.id}.`);
        return 0;
      }
      case 'rotate-keys': {
        const keyRing = loadKeyRing(config);
        const result = await rotateSecrets(
          { prisma, keyRing, providerBaseUrl: odooShDestination(config.ODOO_SH_API_BASE_URL) },
          {
            batchSize: Number(values['batch-size'] ?? 200),
            onProgress: (progress) =>
              console.log(`${progress.table}.${progress.column}: ${progress.reEncrypted} re-encrypted so far`),
          },
        );
        await recordAudit(prisma, {
          caller: operator,
          operation: 'rotateEncryptionKey',
          outcome: 'SUCCESS',
          details: { via: 'cli', keyId: result.keyId },
        });
        console.log(`Key ${result.keyId}: ${result.reEncrypted} secrets re-encrypted, ${result.remaining} remaining.`);
        return result.remaining === 0 ? 0 : 1;
      }
    }
    return 2;
  } finally {
    await database.close();
  }
}

// Exit explicitly: a driver keeps an idle timer after migrations that would hold the
// process for its 10 s idle timeout although all work is done.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
