// Every environment variable the server reads, validated once at start.
// .env.example documents the same list; a test keeps the two in step.
import { validate } from 'node-cron';
import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/** Settings that open a door for development and tests; production refuses to start with them. */
const developmentOnlySettings = ['WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'GIT_ALLOW_INSECURE_REPOSITORIES'] as const;

const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection URL')
      .optional(),
    PGLITE_DATA_DIR: z.string().min(1).default('./.data/pglite'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    MIGRATE_ON_START: booleanFlag.default(true),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    PLATFORM_ADMIN_TOKEN: z
      .string()
      .min(32, 'must be at least 32 characters; generate one with `openssl rand -hex 32`')
      .optional(),
    GRAPHIQL_ENABLED: booleanFlag.optional(),
    INTROSPECTION_ENABLED: booleanFlag.optional(),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    SHUTDOWN_READY_GRACE_MS: z.coerce.number().int().min(0).default(1000),
    ENCRYPTION_KEYS: z
      .string()
      .regex(
        /^\s*[A-Za-z0-9-]{1,32}:[A-Za-z0-9+/=]+\s*(,\s*[A-Za-z0-9-]{1,32}:[A-Za-z0-9+/=]+\s*)*$/,
        'must be id:base64key[,id:base64key...], newest first',
      )
      .optional(),
    ENCRYPTION_KEY_FILE: z.string().min(1).default('./.data/encryption-keys'),
    MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(20),
    RATE_LIMIT_PER_KEY_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
    SUBSCRIPTIONS_PER_KEY: z.coerce.number().int().min(1).default(100),
    TRUST_PROXY: booleanFlag.default(false),
    CORS_ORIGINS: z.string().optional(),
    /** unset outside production: the built-in simulator runs in the server's process */
    ODOO_SH_API_BASE_URL: z.string().url('must be an http(s) URL').optional(),
    ODOO_SH_API_TOKEN: z.string().min(1).optional(),
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /** self-hosted Odoo: bound of a module install/upgrade, and of a database create/duplicate/restore */
    ODOO_MODULE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(600_000),
    ODOO_DATABASE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(900_000),
    BACKUP_STORAGE_DIR: z.string().min(1).default('./.data/backups'),
    PUBLIC_URL: z.string().url('must be the http(s) URL clients reach this server at').optional(),
    WORKER_ENABLED: booleanFlag.default(true),
    WORKER_POLL_MS: z.coerce.number().int().min(50).default(1000),
    WORKER_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
    DEPLOY_GIT_AUTHOR: z
      .string()
      .regex(/^[^<>]+ <[^<>\s]+@[^<>\s]+>$/, 'must be "Name <email>"')
      .default('Odoo Fleet API <deploy@odoo-fleet.invalid>'),
    DEPLOY_WORK_DIR: z.string().min(1).default('./.data/git'),
    GIT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    REPLICA_NAME: z.string().min(1).max(100).optional(),
    POLLER_ENABLED: booleanFlag.default(true),
    POLL_CRON: z
      .string()
      .refine((value) => validate(value), 'must be a cron expression (six fields allowed: seconds first)')
      .default('*/15 * * * * *'),
    POLL_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
    POLL_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(16),
    POLL_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
    POLL_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    POLL_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
    POLL_TICK_BUDGET_MS: z.coerce.number().int().min(500).default(10_000),
    SAMPLE_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
    WEBHOOK_CRON: z
      .string()
      .refine((value) => validate(value), 'must be a cron expression')
      .default('*/5 * * * * *'),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanFlag.default(false),
    GIT_ALLOW_INSECURE_REPOSITORIES: booleanFlag.default(false),
    BACKUP_POLICY_CRON: z
      .string()
      .refine((value) => validate(value), 'must be a cron expression')
      .default('* * * * *'),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    METRICS_PUBLIC: booleanFlag.default(false),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url('must be the http(s) base URL of an OTLP collector').optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('odoo-fleet-api'),
  })
  .superRefine((env, context) => {
    if (env.NODE_ENV === 'production' && !env.ENCRYPTION_KEYS) {
      context.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: 'is required in production' });
    }
    for (const variable of developmentOnlySettings) {
      if (env.NODE_ENV === 'production' && env[variable]) {
        context.addIssue({
          code: 'custom',
          path: [variable],
          message: 'must not be true in production (development and tests only)',
        });
      }
    }
    if (env.NODE_ENV === 'production' && !env.ODOO_SH_API_BASE_URL) {
      context.addIssue({
        code: 'custom',
        path: ['ODOO_SH_API_BASE_URL'],
        message: 'is required in production (the built-in simulator serves development only)',
      });
    }
    if (env.NODE_ENV === 'production' && !env.METRICS_TOKEN && !env.METRICS_PUBLIC) {
      context.addIssue({
        code: 'custom',
        path: ['METRICS_TOKEN'],
        message: 'is required in production (or set METRICS_PUBLIC=true to serve /metrics to anyone)',
      });
    }
  })
  .transform((env) => ({
    ...env,
    // Off in production unless asked for: they describe the whole API to anyone.
    GRAPHIQL_ENABLED: env.GRAPHIQL_ENABLED ?? env.NODE_ENV !== 'production',
    INTROSPECTION_ENABLED: env.INTROSPECTION_ENABLED ?? env.NODE_ENV !== 'production',
  }));

export type Config = z.output<typeof configSchema>;
export const configVariableNames = Object.keys(configSchema.in.shape);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as in most .env tooling. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return parsed.data;
}
