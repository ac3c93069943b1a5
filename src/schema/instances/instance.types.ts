import { builder } from '../builder.js';
import { DeploymentMethodEnum, InstanceStatusEnum, SubscriptionTierEnum } from '../enums.js';
import { ownedBy } from '../tenancy.js';
import { credentialState, credentialStateSelect } from './credential-state.js';
import { INSTANCE_LISTING_COLUMNS } from '../../db/instance-page.js';

const LISTING_SELECT = Object.fromEntries(INSTANCE_LISTING_COLUMNS.map((column) => [column, true])) as {
  [Column in (typeof INSTANCE_LISTING_COLUMNS)[number]]: true;
};

export const OdooInstanceType = builder.prismaNode('OdooInstance', {
  description: "An Odoo instance of the caller's company, hosted by Odoo.sh or a self-hosted server.",
  id: { field: 'id' },
  // Select mode: every query reads the listing columns (bounded, never a secret) and what
  // other fields of its selection add, so the encrypted secrets are read only by the fields
  // that need them. The listing columns' fields read the row directly (below).
  select: LISTING_SELECT,
  // No scope of its own: every field leading here requires a company's key, and node(id:)
  // finds only the caller's company's rows (test/scope-reachability.test.ts). Queries over
  // it can so run compiled (compiled-execution.ts).
  // Nullable: a missing or foreign id answers null, not an error (see tenancy.ts).
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    instanceId: t.string({
      resolve: (row) => row.instanceId,
      nullable: true,
      description: "The provider's id of the instance; null until the provider accepted it.",
    }),
    name: t.string({ resolve: (row) => row.name, description: 'Name of the instance, also its subdomain.' }),
    url: t.string({ resolve: (row) => row.url, nullable: true, description: 'Public URL of the instance.' }),
    database: t.string({ resolve: (row) => row.database, description: 'Name of the Odoo database.' }),
    version: t.string({ resolve: (row) => row.version, description: 'Odoo version, e.g. "17.0".' }),
    deploymentMethod: t.field({
      resolve: (row) => row.deploymentMethod,
      type: DeploymentMethodEnum,
      description: 'The provider hosting the instance.',
    }),
    status: t.field({
      resolve: (row) => row.status,
      type: InstanceStatusEnum,
      description: 'Current life-cycle state.',
    }),
    statusMessage: t.string({
      resolve: (row) => row.statusMessage,
      nullable: true,
      description: 'Why the instance is in its status, when there is something to say (errors).',
    }),
    subscriptionId: t.string({
      resolve: (row) => row.subscriptionId,
      nullable: true,
      description: "The provider's subscription id.",
    }),
    subscriptionTier: t.field({
      resolve: (row) => row.subscriptionTier,
      type: SubscriptionTierEnum,
      description: 'Commercial tier.',
    }),
    gitRepositoryUrl: t.string({
      resolve: (row) => row.gitRepositoryUrl,
      nullable: true,
      description: 'Repository that deployments push to (credentials are never shown).',
    }),
    gitBranch: t.string({ resolve: (row) => row.gitBranch, description: 'Branch that deployments push to.' }),
    gitCommitHash: t.string({
      resolve: (row) => row.gitCommitHash,
      nullable: true,
      description: 'Commit of the last successful deployment.',
    }),
    credentialsConfigured: t.boolean({
      description:
        'Whether the secrets this instance needs are stored and bound to its current destinations: the provider token for Odoo.sh, the Odoo login and password for self-hosted, and no secret awaited after a repository or server change. The secrets themselves are never returned.',
      select: credentialStateSelect,
      resolve: (instance, _args, context) => credentialState(instance, context.providers).configured,
    }),
    credentialsMessage: t.string({
      nullable: true,
      description:
        'Why `credentialsConfigured` is false, and what to set with `setInstanceCredentials`; null when it is true.',
      select: credentialStateSelect,
      resolve: (instance, _args, context) => credentialState(instance, context.providers).message,
    }),
    createdAt: t.field({
      resolve: (row) => row.createdAt,
      type: 'DateTime',
      description: 'When the instance was requested.',
    }),
    updatedAt: t.field({
      resolve: (row) => row.updatedAt,
      type: 'DateTime',
      description: 'Last change of this record.',
    }),
  }),
});
