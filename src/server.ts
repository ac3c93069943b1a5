// Composition root: reads the configuration, opens the database, builds and starts the
// app, and shuts everything down in order on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import { buildApp } from './app.js';
import { backupPolicyJob } from './jobs/backup-policy-job.js';
import { cronJob } from './jobs/cron-job.js';
import { createPoller, replicaName } from './jobs/poller.js';
import { openConnectionSlots } from './services/rate-limit/connection-slots.js';
import { openRequestLimits } from './services/rate-limit/rate-limiter.js';
import { webhookJob } from './jobs/webhook-job.js';
import { loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { waitForDatabase } from './db/wait-for-database.js';
import { createLogger } from './logger.js';
import { createFleetPubSub, createRedisFleetPubSub } from './pubsub.js';
import { odooShDestination, startInProcessSimulator } from './doubles/odoo-sh/in-process.js';
import { createProviderRegistry } from './providers/registry.js';
import { createOdooApiKeyStore } from './providers/self-hosted/api-key-store.js';
import { loadKeyRing } from './services/crypto/load-key-ring.js';
import { rebindLegacySecrets } from './services/crypto/rotate.js';
import { createUrlSigner } from './services/backups/download-urls.js';
import { createGitPublisher } from './services/deployments/git-publisher.js';
import { operationHandlers } from './services/operations/handlers.js';
import { createWorker } from './services/operations/worker.js';
import { publishStepChange } from './services/operations/progress-events.js';
import { createLocalBackupStore } from './services/storage/backup-store.js';
import { startupFailureMessage } from './startup-failure.js';

/** Known once the configuration is read, so a start-up failure can name the settings. */
let startupConfig: Config | null = null;
import { stampingRequestIds, traceStatements } from './telemetry/database-telemetry.js';
import { registerFleetGauges } from './telemetry/fleet-gauges.js';
import {
  countingPubSub,
  instrumentProviders,
  observedHandlers,
  observedPoller,
  ObservedBreakers,
} from './telemetry/instrument.js';
import { createTelemetry, withRequestIds } from './telemetry/telemetry.js';
import { createTracing } from './telemetry/tracing.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  startupConfig = config;
  const telemetry = createTelemetry({
    tracing: createTracing({ serviceName: config.OTEL_SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }),
  });
  const logger = withRequestIds(createLogger(config.LOG_LEVEL), telemetry.context);
  const startedAt = Date.now();
  const keyRing = loadKeyRing(config, (message) => logger.info(message));

  if (config.DATABASE_URL) await waitForDatabase(config.DATABASE_URL, config.DATABASE_CONNECT_TIMEOUT_MS);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    embeddedDataDir: config.PGLITE_DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    migrateOnStart: config.MIGRATE_ON_START,
    log: (message) => logger.info(message),
    onPool: (pool) => traceStatements(pool, telemetry),
    extendClient: (client) => stampingRequestIds(client, telemetry),
  });
  const bus = config.REDIS_URL ? await createRedisFleetPubSub(config.REDIS_URL) : null;
  const webhookPolicy = { allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS };
  // Webhook deliveries come from the fleet event outbox only (services/events/outbox.ts).
  const pubsub = countingPubSub(bus?.pubsub ?? createFleetPubSub(), telemetry);
  const connectionSlots = await openConnectionSlots({
    redisUrl: config.REDIS_URL,
    perKey: config.SUBSCRIPTIONS_PER_KEY,
  });
  const budgets = await openRequestLimits({
    redisUrl: config.REDIS_URL,
    perKeyPerMinute: config.RATE_LIMIT_PER_KEY_PER_MINUTE,
    perAddressPerMinute: config.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
  });
  const owner = config.REPLICA_NAME ?? replicaName();
  const simulator = config.ODOO_SH_API_BASE_URL ? null : await startInProcessSimulator();
  if (simulator)
    logger.info(
      `ODOO_SH_API_BASE_URL is not set: Odoo.sh instances go to the built-in simulator at ${simulator.baseUrl} (development only; set it for a real provider)`,
    );
  const breakers = new ObservedBreakers();
  registerFleetGauges(telemetry.metrics, {
    prisma: database.prisma,
    poolStats: () => database.poolStats(),
    breakerStates: () => breakers.states(),
  });
  const providers = instrumentProviders(
    createProviderRegistry({
      keyRing,
      odooShBaseUrl: config.ODOO_SH_API_BASE_URL ?? simulator!.baseUrl,
      odooShDestination: odooShDestination(config.ODOO_SH_API_BASE_URL),
      odooShDefaultToken: config.ODOO_SH_API_TOKEN ?? simulator?.token,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
      odooLongTimeouts: { modulesMs: config.ODOO_MODULE_TIMEOUT_MS, databasesMs: config.ODOO_DATABASE_TIMEOUT_MS },
      breakers,
      odooApiKeys: createOdooApiKeyStore({ prisma: database.prisma, keyRing }),
    }),
    telemetry,
  );
  // Secrets stored before destinations were bound are bound to their row's destination once.
  const rebound = await rebindLegacySecrets({
    prisma: database.prisma,
    keyRing,
    providerBaseUrl: providers.odooShBaseUrl,
  });
  if (rebound.reEncrypted > 0) logger.info('secrets bound to their destinations', { count: rebound.reEncrypted });
  const backupStore = createLocalBackupStore(config.BACKUP_STORAGE_DIR);
  const git = createGitPublisher({ timeoutMs: config.GIT_TIMEOUT_MS, workRoot: config.DEPLOY_WORK_DIR });
  const [, authorName, authorEmail] = /^(.+) <(.+)>$/.exec(config.DEPLOY_GIT_AUTHOR)!;
  const worker = createWorker({
    prisma: database.prisma,
    owner,
    handlers: observedHandlers(
      operationHandlers({
        prisma: database.prisma,
        pubsub,
        providers,
        store: backupStore,
        keyRing,
        git,
        author: { name: authorName!, email: authorEmail! },
      }),
      telemetry,
      logger,
    ),
    pollMs: config.WORKER_POLL_MS,
    leaseMs: config.WORKER_LEASE_MS,
    onSettled: (operation, outcome) =>
      publishStepChange({ prisma: database.prisma, pubsub }, operation, outcome).catch((error: unknown) =>
        logger.warn('progress event not published', {
          operation: operation.id,
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
  });
  const poller = observedPoller(
    createPoller({
      prisma: database.prisma,
      pubsub,
      providers,
      logger,
      owner,
      intervalMs: config.POLL_INTERVAL_SECONDS * 1000,
      concurrency: config.POLL_CONCURRENCY,
      batchSize: config.POLL_BATCH_SIZE,
      timeoutMs: config.POLL_TIMEOUT_MS,
      leaseMs: config.POLL_LEASE_MS,
      tickBudgetMs: config.POLL_TICK_BUDGET_MS,
      retentionDays: config.SAMPLE_RETENTION_DAYS,
    }),
    telemetry,
  );
  const polling = cronJob('poller', config.POLL_CRON, async () => void (await poller.tick()), logger);
  const webhooks = webhookJob({ prisma: database.prisma, keyRing, policy: webhookPolicy, logger }, config.WEBHOOK_CRON);
  const policies = backupPolicyJob(
    { prisma: database.prisma, pubsub, store: backupStore, logger },
    config.BACKUP_POLICY_CRON,
  );
  const app = buildApp({
    prisma: database.prisma,
    sql: database.sql,
    pubsub,
    providers,
    backupStore,
    git,
    poller,
    webhookPolicy,
    repositoryPolicy: { allowInsecureRepositories: config.GIT_ALLOW_INSECURE_REPOSITORIES },
    signer: createUrlSigner(keyRing.deriveKey('backup-download-urls')),
    publicUrl: config.PUBLIC_URL,
    pingDatabase: () => database.ping(),
    logger,
    keyRing,
    platformAdminToken: config.PLATFORM_ADMIN_TOKEN,
    maxRequestBytes: config.MAX_REQUEST_BYTES,
    authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    requestLimits: budgets.limits,
    subscriptionsPerKey: config.SUBSCRIPTIONS_PER_KEY,
    connectionSlots,
    drainGraceMs: config.SHUTDOWN_READY_GRACE_MS,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS?.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    graphiql: config.GRAPHIQL_ENABLED,
    introspection: config.INTROSPECTION_ENABLED,
    production: config.NODE_ENV === 'production',
    telemetry,
    metricsToken: config.METRICS_TOKEN,
  });
  const address = await app.listen(config.PORT, config.HOST);
  if (config.WORKER_ENABLED) {
    worker.start();
    policies.start();
    webhooks.start();
  }
  if (config.POLLER_ENABLED) polling.start();
  const shownHost = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
  logger.info(`Odoo Fleet API ready at http://${shownHost}:${address.port}/graphql`, {
    database: database.embedded ? 'embedded' : 'postgresql',
    replica: owner,
    pubsub: bus ? 'redis' : 'in-process',
    startupMs: Date.now() - startedAt,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    try {
      await app.stop(config.SHUTDOWN_TIMEOUT_MS);
      // Steps in flight finish; anything else resumes on the next start.
      await polling.stop();
      await policies.stop();
      await webhooks.stop();
      await worker.stop();
      await database.close();
      await bus?.close();
      await simulator?.close();
      await budgets.close();
      await connectionSlots.close();
      await telemetry.tracing?.shutdown();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error('unclean shutdown', { error: String(error) });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${startupFailureMessage(error, startupConfig)}\n`);
  const debug = (startupConfig?.LOG_LEVEL ?? process.env.LOG_LEVEL) === 'debug';
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
