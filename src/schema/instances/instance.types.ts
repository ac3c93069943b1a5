import { builder } from '../builder.js';
import { DeploymentMethodEnum, InstanceStatusEnum, SubscriptionTierEnum } from '../enums.js';
import { ownedBy } from '../tenancy.js';
import { credentialState, credentialStateSelect } from './credential-state.js';

export const OdooInstanceType = builder.prismaNode('OdooInstance', {
  description: "An Odoo instance of the caller's company, hosted by Odoo.sh or a self-hosted server.",
  id: { field: 'id' },
  // Select mode: a query reads only the columns its selection needs (each exposed field
  // adds its own), so a page never carries the encrypted secrets unless a field needs them.
  select: { id: true, companyId: true, status: true },
  authScopes: { member: true },
  // Nullable: a missing or foreign id answers null, not an error (see tenancy.ts).
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    instanceId: t.exposeString('instanceId', {
      nullable: true,
      description: "The provider's id of the instance; null until the provider accepted it.",
    }),
    name: t.exposeString('name', { description: 'Name of the instance, also its subdomain.' }),
    url: t.exposeString('url', { nullable: true, description: 'Public URL of the instance.' }),
    database: t.exposeString('database', { description: 'Name of the Odoo database.' }),
    version: t.exposeString('version', { description: 'Odoo version, e.g. "17.0".' }),
    deploymentMethod: t.expose('deploymentMethod', {
      type: DeploymentMethodEnum,
      description: 'The provider hosting the instance.',
    }),
    status: t.expose('status', { type: InstanceStatusEnum, description: 'Current life-cycle state.' }),
    statusMessage: t.exposeString('statusMessage', {
      nullable: true,
      description: 'Why the instance is in its status, when there is something to say (errors).',
    }),
    subscriptionId: t.exposeString('subscriptionId', {
      nullable: true,
      description: "The provider's subscription id.",
    }),
    subscriptionTier: t.expose('subscriptionTier', {
      type: SubscriptionTierEnum,
      description: 'Commercial tier.',
    }),
    gitRepositoryUrl: t.exposeString('gitRepositoryUrl', {
      nullable: true,
      description: 'Repository that deployments push to (credentials are never shown).',
    }),
    gitBranch: t.exposeString('gitBranch', { description: 'Branch that deployments push to.' }),
    gitCommitHash: t.exposeString('gitCommitHash', {
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
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the instance was requested.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change of this record.' }),
  }),
});
