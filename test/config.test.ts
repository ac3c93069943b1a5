import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configVariableNames, loadConfig } from '../src/config.js';
import { projectRoot } from '../src/db/paths.js';
import { TEST_KEY_SPEC } from './support/server.js';

describe('configuration', () => {
  it('starts on the embedded database with development defaults', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(4000);
    expect(config.PGLITE_DATA_DIR).toBe('./.data/pglite');
    expect(config.GRAPHIQL_ENABLED).toBe(true);
    expect(config.INTROSPECTION_ENABLED).toBe(true);
  });

  it('turns GraphiQL and introspection off in production unless asked for', () => {
    const production = {
      NODE_ENV: 'production',
      ENCRYPTION_KEYS: TEST_KEY_SPEC,
      ODOO_SH_API_BASE_URL: 'https://odoo-sh.example/api/v1',
      METRICS_TOKEN: 'metrics-token-0123456789',
    };
    expect(loadConfig(production)).toMatchObject({ GRAPHIQL_ENABLED: false, INTROSPECTION_ENABLED: false });
    expect(loadConfig({ ...production, GRAPHIQL_ENABLED: 'true' }).GRAPHIQL_ENABLED).toBe(true);
  });

  it('requires encryption keys in production, and checks their shape', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ENCRYPTION_KEYS: is required in production/);
    expect(() => loadConfig({ ENCRYPTION_KEYS: 'no-colon' })).toThrow(/ENCRYPTION_KEYS: must be id:base64key/);
  });

  it('refuses to start in production with development-only settings, naming each variable', () => {
    const production = {
      NODE_ENV: 'production',
      ENCRYPTION_KEYS: TEST_KEY_SPEC,
      ODOO_SH_API_BASE_URL: 'https://odoo-sh.example/api/v1',
      METRICS_TOKEN: 'metrics-token-0123456789',
    };
    expect(() => loadConfig({ ...production, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE_NETWORKS: must not be true in production/,
    );
    expect(() => loadConfig({ ...production, GIT_ALLOW_INSECURE_REPOSITORIES: '1' })).toThrow(
      /GIT_ALLOW_INSECURE_REPOSITORIES: must not be true in production/,
    );
    expect(loadConfig({ ...production, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' }).WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(
      false,
    );
    expect(loadConfig({ GIT_ALLOW_INSECURE_REPOSITORIES: 'true' }).GIT_ALLOW_INSECURE_REPOSITORIES).toBe(true);
  });

  it('refuses open metrics in production unless METRICS_PUBLIC says so', () => {
    const production = {
      NODE_ENV: 'production',
      ENCRYPTION_KEYS: TEST_KEY_SPEC,
      ODOO_SH_API_BASE_URL: 'https://odoo-sh.example/api/v1',
    };
    expect(() => loadConfig(production)).toThrow(/METRICS_TOKEN: is required in production/);
    expect(loadConfig({ ...production, METRICS_PUBLIC: 'true' }).METRICS_PUBLIC).toBe(true);
    expect(loadConfig({ ...production, METRICS_TOKEN: 'metrics-token-0123456789' }).METRICS_TOKEN).toBe(
      'metrics-token-0123456789',
    );
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
  });

  it('names every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PLATFORM_ADMIN_TOKEN: 'short' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/PORT:/);
    expect(message).toMatch(/DATABASE_URL: must be a postgresql:\/\/ connection URL/);
    expect(message).toMatch(/PLATFORM_ADMIN_TOKEN: must be at least 32 characters/);
  });

  it('treats empty values as unset, as .env files write them', () => {
    const config = loadConfig({ DATABASE_URL: '', PORT: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(4000);
  });

  it('documents exactly the variables it reads in .env.example', () => {
    const documented = readFileSync(`${projectRoot}.env.example`, 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name));
    expect(documented.sort()).toEqual([...configVariableNames].sort());
  });
});
