// The project's server for `npm run bench:api`, in a process of its own so its CPU time
// is its own: the app as src/server.ts composes it (Prisma over a pg pool of 10, in-process
// pub/sub), without jobs, rate limits out of the way. Reports CPU time and SQL statements
// to the parent over IPC.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { createUrlSigner } from '../../src/services/backups/download-urls.js';
import { parseKeyRing } from '../../src/services/crypto/key-ring.js';
import { createRequestLimits, memoryCounterStore } from '../../src/services/rate-limit/rate-limiter.js';
import { createLocalBackupStore } from '../../src/services/storage/backup-store.js';
import { countStatements } from '../support/bench-postgres.js';
import { serveStats } from './stats.js';

const url = process.argv[2]!;
const keyRing = parseKeyRing(`bench:${Buffer.alloc(32, 9).toString('base64')}`);
const counter = { statements: 0 };
const database = await openDatabase({
  url,
  embeddedDataDir: join(tmpdir(), 'unused'),
  poolSize: 10,
  migrateOnStart: false,
  onPool: (pool) => countStatements(pool, counter),
});
const unlimited = { quota: 1e12, windowSeconds: 60 };
const app = buildApp({
  prisma: database.prisma,
  sql: database.sql,
  pingDatabase: () => database.ping(),
  logger: createLogger('error'),
  keyRing,
  providers: createProviderRegistry({ keyRing, odooShBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 }),
  backupStore: createLocalBackupStore(join(tmpdir(), 'fleet-bench-backups')),
  signer: createUrlSigner(keyRing.deriveKey('backup-download-urls')),
  requestLimits: createRequestLimits(memoryCounterStore(), {
    perKey: { name: 'key', ...unlimited },
    perAddress: { name: 'address', ...unlimited },
  }),
  subscriptionsPerKey: 1_000_000,
  graphiql: false,
  introspection: false,
  production: true,
});
const address = await app.listen(0, '127.0.0.1');
serveStats(address.port, counter, async () => {
  await app.stop(1000);
  await database.close();
});
