import { builder } from '../builder.js';
import { DeploymentStatusEnum, DeploymentStrategyEnum } from '../enums.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { ownedBy } from '../tenancy.js';
import { latestDeploymentFor } from '../loaders.js';

const DeploymentStatusChangeType = builder.prismaObject('DeploymentStatusChange', {
  description: 'One transition of a deployment.',
  fields: (t) => ({
    status: t.expose('status', { type: DeploymentStatusEnum, description: 'The status entered.' }),
    message: t.exposeString('message', { nullable: true, description: 'What the provider said.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the status was entered.' }),
  }),
});

export const DeploymentType = builder.prismaNode('Deployment', {
  description: 'A deployment of a template, or of an earlier commit, to an instance.',
  id: { field: 'id' },
  // No scope of its own: every field leading here requires a company's key, and node(id:)
  // finds only the caller's company's rows (test/scope-reachability.test.ts). Queries over
  // it can so run compiled (compiled-execution.ts).
  // Nullable: a missing or foreign id answers null, not an error (see tenancy.ts).
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    status: t.expose('status', { type: DeploymentStatusEnum, description: 'Current status.' }),
    strategy: t.expose('strategy', { type: DeploymentStrategyEnum, description: 'How it is deployed.' }),
    branch: t.exposeString('branch', { description: 'Branch pushed to.' }),
    commitHash: t.exposeString('commitHash', { nullable: true, description: 'Commit deployed, once pushed.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed.' }),
    log: t.string({
      description: 'Log lines reported by the provider so far.',
      // A latest deployment of a page arrives without its log (see db/latest-per-instance.ts).
      resolve: (deployment, _args, context) =>
        typeof deployment.log === 'string' ? deployment.log : context.loaders.deploymentLog.load(deployment.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was requested.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When work began.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
    instance: t.relation('instance', { description: 'The instance deployed to.' }),
    template: t.relation('template', { nullable: true, description: 'The template deployed, if any.' }),
    backup: t.relation('backup', {
      nullable: true,
      description:
        "The backup taken just before this deployment (when the instance's policy asks for one), to restore if it goes wrong.",
    }),
    redeployOf: t.relation('redeployOf', {
      nullable: true,
      description: 'The deployment whose commit this one re-deploys.',
    }),
    statusHistory: t.relation('statusChanges', {
      type: DeploymentStatusChangeType,
      description: 'Every status entered, oldest first.',
      query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

builder.prismaObjectFields(OdooInstanceType, (t) => ({
  deployments: t.relatedConnection('deployments', {
    cursor: 'id',
    totalCount: true,
    description: 'Deployments to this instance, newest first.',
    query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
  }),
  latestDeployment: t.field({
    type: DeploymentType,
    nullable: true,
    description: 'The newest deployment, whatever its status.',
    resolve: (instance, _args, context) => latestDeploymentFor(context.loaders, instance),
  }),
}));

builder.queryField('deployment', (t) =>
  t.prismaField({
    type: DeploymentType,
    nullable: true,
    authScopes: { member: true },
    description: "One deployment of the caller's company by its global id; null when there is none.",
    args: { id: t.arg.globalID({ required: true, description: 'Global id of the deployment.' }) },
    resolve: (query, _root, { id }, context) =>
      id.typename === 'Deployment'
        ? context.prisma.deployment.findUnique({ ...query, where: ownedBy(context, id.id) })
        : null,
  }),
);
