import type { DeploymentStatus } from '../../generated/prisma/enums.js';
import { isTerminalDeployment } from '../../services/deployments/deployments.js';
import { RepositoryError } from '../../services/errors.js';
import { builder } from '../builder.js';
import { DeploymentStrategyEnum } from '../enums.js';
import { ConflictError, InvalidInputError, NotFoundError, UnsupportedError } from '../errors/error-classes.js';
import { ErrorInterface } from '../errors/error.types.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { resultTypes, selectionOf, serviceResult } from '../mutation-result.js';
import { TemplateType } from '../templates/template.schema.js';
import { statusStream } from '../status-stream.js';
import { companyOf, ownedBy } from '../tenancy.js';
import { DeploymentType } from './deployment.schema.js';

builder.objectType(RepositoryError, {
  name: 'RepositoryError',
  description:
    "The instance's git repository could not be reached or refused the push. The message never holds credentials.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    kind: t.exposeString('kind', { description: '"unreachable", "rejected" or "conflict".' }),
  }),
});

const DeployTemplateInput = builder.inputType('DeployTemplateInput', {
  description: "A template to deploy to an instance, on the instance's repository and branch.",
  fields: (t) => ({
    instanceId: t.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
    templateId: t.globalID({ for: TemplateType, required: true, description: 'Global id of the template.' }),
    strategy: t.field({
      type: DeploymentStrategyEnum,
      required: false,
      description:
        'GIT (push, then the provider deploys) or XMLRPC (install on a self-hosted server). Default: GIT when the instance has a repository.',
    }),
    queue: t.boolean({
      required: false,
      defaultValue: false,
      description:
        'Wait behind a running backup, restore or deployment of the instance instead of failing with a ConflictError.',
    }),
    idempotencyKey: t.string({
      required: false,
      description: 'Repeating a request with the same key returns the first deployment.',
    }),
  }),
});

const RedeployInput = builder.inputType('RedeployInput', {
  description:
    'A previous deployment whose commit to deploy again; a rollback is a redeploy of the last successful one.',
  fields: (t) => ({
    deploymentId: t.globalID({
      for: DeploymentType,
      required: true,
      description: 'Global id of the deployment to repeat.',
    }),
    queue: t.boolean({
      required: false,
      defaultValue: false,
      description: 'Wait behind running work instead of failing with a ConflictError.',
    }),
    idempotencyKey: t.string({
      required: false,
      description: 'Repeating a request with the same key returns the first deployment.',
    }),
  }),
});

const CancelDeploymentInput = builder.inputType('CancelDeploymentInput', {
  description: 'A deployment to cancel.',
  fields: (t) => ({
    deploymentId: t.globalID({ for: DeploymentType, required: true, description: 'Global id of the deployment.' }),
  }),
});

builder.mutationFields((t) => ({
  deployTemplate: t.prismaField({
    type: DeploymentType,
    description:
      "Deploys a template: commits its addons to the instance's branch and pushes, then follows the provider's deployment. Returns it PENDING; follow it with `deploymentStatus`.",
    authScopes: { role: 'OPERATOR' },
    args: {
      input: t.arg({ type: DeployTemplateInput, required: true, description: 'The instance and the template.' }),
    },
    errors: {
      types: [NotFoundError, ConflictError, InvalidInputError, RepositoryError, UnsupportedError],
      ...resultTypes('deployTemplate', 'deployment', 'The deployment was requested.'),
    },
    resolve: async (query, _root, { input }, context) => {
      const deployment = await serviceResult(context, 'deployTemplate', input.instanceId.id, (services) =>
        services.deployments.deploy({
          companyId: companyOf(context),
          instanceId: ownedBy(context, input.instanceId.id).id,
          templateId: ownedBy(context, input.templateId.id).id,
          strategy: input.strategy,
          queue: input.queue,
          idempotencyKey: input.idempotencyKey,
        }),
      );
      return context.prisma.deployment.findUniqueOrThrow({ ...selectionOf(query), where: { id: deployment.id } });
    },
  }),
  redeploy: t.prismaField({
    type: DeploymentType,
    description: "Deploys a previous deployment's commit again, without pushing anything new.",
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: RedeployInput, required: true, description: 'The deployment to repeat.' }) },
    errors: {
      types: [NotFoundError, ConflictError, UnsupportedError],
      ...resultTypes('redeploy', 'deployment', 'The new deployment was requested.'),
    },
    resolve: async (query, _root, { input }, context) => {
      const deployment = await serviceResult(context, 'redeploy', input.deploymentId.id, (services) =>
        services.deployments.redeploy({
          companyId: companyOf(context),
          deploymentId: ownedBy(context, input.deploymentId.id).id,
          queue: input.queue,
          idempotencyKey: input.idempotencyKey,
        }),
      );
      return context.prisma.deployment.findUniqueOrThrow({ ...selectionOf(query), where: { id: deployment.id } });
    },
  }),
  cancelDeployment: t.prismaField({
    type: DeploymentType,
    description:
      'Cancels a deployment that the provider has not started yet (waiting in the queue, backing up or pushing).',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: CancelDeploymentInput, required: true, description: 'The deployment.' }) },
    errors: {
      types: [NotFoundError, ConflictError, UnsupportedError],
      ...resultTypes('cancelDeployment', 'deployment', 'The deployment, CANCELLED.'),
    },
    resolve: async (query, _root, { input }, context) => {
      const deployment = await serviceResult(context, 'cancelDeployment', input.deploymentId.id, (services) =>
        services.deployments.cancel({
          companyId: companyOf(context),
          deploymentId: ownedBy(context, input.deploymentId.id).id,
        }),
      );
      return context.prisma.deployment.findUniqueOrThrow({ ...selectionOf(query), where: { id: deployment.id } });
    },
  }),
}));

builder.subscriptionField('deploymentStatus', (t) =>
  t.prismaField({
    type: DeploymentType,
    description:
      'The deployment now, then each time its status changes (never the same status twice in a row; `log` as it stands then); completes after SUCCESS, FAILED or CANCELLED.',
    authScopes: { member: true },
    args: {
      deploymentId: t.arg.globalID({
        for: DeploymentType,
        required: true,
        description: 'Global id of the deployment.',
      }),
    },
    subscribe: (_root, { deploymentId }, context) => {
      const where = ownedBy(context, deploymentId.id);
      return statusStream<DeploymentStatus>(context, {
        changes: context.pubsub.subscribe('deploymentChanged', where.id),
        current: () => context.prisma.deployment.findFirst({ where, select: { id: true, status: true } }),
        notFound: () => new NotFoundError('Deployment', deploymentId.id),
        isTerminal: isTerminalDeployment,
        distinct: true,
      });
    },
    resolve: async (query, event, _args, context) => ({
      ...(await context.prisma.deployment.findUniqueOrThrow({ ...selectionOf(query), where: { id: event.id } })),
      status: event.status,
    }),
  }),
);
