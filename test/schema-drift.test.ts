import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { projectRoot } from '../src/db/paths.js';
import { printSortedSchema, schema } from '../src/schema/index.js';

describe('schema.graphql', () => {
  it('matches the schema printed from the code (run `npm run schema:print` after a change)', () => {
    const committed = readFileSync(`${projectRoot}schema.graphql`, 'utf8');
    expect(printSortedSchema()).toBe(committed);
  });

  it('keeps the operation names frontends code against (shared/notes/api.md)', () => {
    const query = schema.getQueryType()!.getFields();
    for (const name of [
      'viewer',
      'node',
      'nodes',
      'instance',
      'instances',
      'backup',
      'deployment',
      'templates',
      'template',
    ]) {
      expect(query, name).toHaveProperty(name);
    }
    const instance = schema.getType('OdooInstance');
    if (!isObjectType(instance)) throw new Error('OdooInstance is not an object type');
    for (const field of [
      'instanceId',
      'name',
      'url',
      'database',
      'version',
      'deploymentMethod',
      'status',
      'subscriptionId',
      'subscriptionTier',
      'gitRepositoryUrl',
      'gitBranch',
      'gitCommitHash',
      'backups',
      'deployments',
      'health',
      'healthHistory',
      'metrics',
      'logs',
      'credentialsConfigured',
    ]) {
      expect(instance.getFields(), field).toHaveProperty(field);
    }
  });

  it("never exposes a secret, except a new key's token and a new webhook's secret, shown once", () => {
    const outputFields = Object.values(schema.getTypeMap()).flatMap((type) =>
      isObjectType(type) || isInterfaceType(type)
        ? Object.keys(type.getFields()).map((name) => `${type.name}.${name}`)
        : [],
    );
    const secretLooking = outputFields.filter((name) =>
      /(enc|tokenhash|password|secret|token|credential)$/i.test(name),
    );
    expect(secretLooking.sort()).toEqual(['CreatedApiKey.token', 'CreatedWebhookEndpoint.secret']);
  });

  it('describes every type and field defined by the project', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
