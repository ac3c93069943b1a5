import { builder } from '../builder.js';
import { DeploymentMethodEnum, SubscriptionTierEnum } from '../enums.js';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  ProviderAuthError,
  ProviderUnavailableError,
  UnsupportedError,
} from '../errors/error-classes.js';
import { resultTypes, serviceResult, withoutNulls } from '../mutation-result.js';
import { companyOf, ownedBy } from '../tenancy.js';
import { OdooInstanceType } from './instance.types.js';

const CreateInstanceInput = builder.inputType('CreateInstanceInput', {
  description: 'A new instance. It is returned CREATING; follow it with `fleetEvents` or by polling `instance`.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: 'Name, also the subdomain: 3-63 lowercase letters, digits or inner hyphens.',
    }),
    version: t.string({ required: true, description: 'Odoo version, e.g. "17.0".' }),
    subscriptionTier: t.field({ type: SubscriptionTierEnum, required: false, description: 'Default STARTER.' }),
    deploymentMethod: t.field({
      type: DeploymentMethodEnum,
      required: false,
      description: 'Provider; default ODOO_SH.',
    }),
    database: t.string({ required: false, description: 'Database name; default: the name with - replaced by _.' }),
    gitRepositoryUrl: t.string({ required: false, description: 'Repository deployments push to.' }),
    gitBranch: t.string({ required: false, description: 'Branch deployments push to; default master.' }),
    serverUrl: t.string({ required: false, description: "Self-hosted only: the Odoo server's URL." }),
    idempotencyKey: t.string({
      required: false,
      description: 'Repeating a request with the same key returns the first result.',
    }),
  }),
});

const UpdateInstanceInput = builder.inputType('UpdateInstanceInput', {
  description: 'Changes to an instance; fields left out keep their value.',
  fields: (t) => ({
    id: t.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
    subscriptionTier: t.field({
      type: SubscriptionTierEnum,
      required: false,
      description: 'New tier (sent to Odoo.sh).',
    }),
    gitRepositoryUrl: t.string({ required: false, description: 'New repository; null clears it.' }),
    gitBranch: t.string({ required: false, description: 'New branch (sent to Odoo.sh).' }),
    serverUrl: t.string({ required: false, description: 'Self-hosted only: new server URL.' }),
  }),
});

const InstanceActionInput = builder.inputType('InstanceActionInput', {
  description: 'The instance to act on.',
  fields: (t) => ({
    id: t.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
    idempotencyKey: t.string({
      required: false,
      description: 'Repeating a request with the same key returns the first result.',
    }),
  }),
});

const operatorScopes = { role: 'OPERATOR' } as const;

builder.mutationFields((t) => ({
  createInstance: t.prismaField({
    type: OdooInstanceType,
    description: 'Requests a new instance from its provider; the server finishes the creation even across restarts.',
    // A key limited to some instances could not see what it created.
    authScopes: { $all: { ...operatorScopes, allInstances: true } },
    args: { input: t.arg({ type: CreateInstanceInput, required: true, description: 'The instance.' }) },
    errors: {
      types: [InvalidInputError, ConflictError],
      ...resultTypes('createInstance', 'instance', 'The instance is being created.'),
    },
    resolve: (_query, _root, { input }, context) => {
      const { idempotencyKey, ...fields } = input;
      return serviceResult(
        context,
        'createInstance',
        null,
        (services) =>
          services.instances.create({ companyId: companyOf(context), input: withoutNulls(fields), idempotencyKey }),
        {
          targetOf: (instance) => instance.id,
        },
      );
    },
  }),
  updateInstance: t.prismaField({
    type: OdooInstanceType,
    description: "Changes an instance's tier, repository, branch or server URL.",
    authScopes: operatorScopes,
    args: { input: t.arg({ type: UpdateInstanceInput, required: true, description: 'The changes.' }) },
    errors: {
      types: [NotFoundError, InvalidInputError, ConflictError, ProviderAuthError, ProviderUnavailableError],
      ...resultTypes('updateInstance', 'instance', 'The instance was changed.'),
    },
    resolve: (_query, _root, { input }, context) => {
      const { id, ...fields } = input;
      const changes = Object.fromEntries(
        Object.entries(fields).filter(
          ([key, value]) => value !== undefined && (value !== null || key === 'gitRepositoryUrl'),
        ),
      );
      return serviceResult(context, 'updateInstance', id.id, (services) =>
        services.instances.update({
          companyId: companyOf(context),
          instanceId: ownedBy(context, id.id).id,
          input: changes,
        }),
      );
    },
  }),
  deleteInstance: t.prismaField({
    type: OdooInstanceType,
    description: 'Deletes an instance at its provider. It is returned DELETING and ends DELETED.',
    authScopes: operatorScopes,
    args: { input: t.arg({ type: InstanceActionInput, required: true, description: 'The instance.' }) },
    errors: {
      types: [NotFoundError, ConflictError],
      ...resultTypes('deleteInstance', 'instance', 'The instance is being deleted.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'deleteInstance', input.id.id, (services) =>
        services.instances.delete({
          companyId: companyOf(context),
          instanceId: ownedBy(context, input.id.id).id,
          idempotencyKey: input.idempotencyKey,
        }),
      ),
  }),
  suspendInstance: t.prismaField({
    type: OdooInstanceType,
    description: 'Suspends a running instance (for self-hosted servers: its users lose access, see docs/providers.md).',
    authScopes: operatorScopes,
    args: { input: t.arg({ type: InstanceActionInput, required: true, description: 'The instance.' }) },
    errors: {
      types: [NotFoundError, ConflictError, UnsupportedError, ProviderAuthError, ProviderUnavailableError],
      ...resultTypes('suspendInstance', 'instance', 'The instance is suspended.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'suspendInstance', input.id.id, (services) =>
        services.instances.suspend({ companyId: companyOf(context), instanceId: ownedBy(context, input.id.id).id }),
      ),
  }),
  retryInstance: t.prismaField({
    type: OdooInstanceType,
    description:
      'Starts the creation of an instance in ERROR again, once the cause (credentials, server, database name) is fixed. It is returned CREATING.',
    authScopes: operatorScopes,
    args: { input: t.arg({ type: InstanceActionInput, required: true, description: 'The instance.' }) },
    errors: {
      types: [NotFoundError, ConflictError],
      ...resultTypes('retryInstance', 'instance', 'The creation starts again.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'retryInstance', input.id.id, (services) =>
        services.instances.retryCreation({
          companyId: companyOf(context),
          instanceId: ownedBy(context, input.id.id).id,
        }),
      ),
  }),
  resumeInstance: t.prismaField({
    type: OdooInstanceType,
    description: 'Resumes a suspended instance.',
    authScopes: operatorScopes,
    args: { input: t.arg({ type: InstanceActionInput, required: true, description: 'The instance.' }) },
    errors: {
      types: [NotFoundError, ConflictError, UnsupportedError, ProviderAuthError, ProviderUnavailableError],
      ...resultTypes('resumeInstance', 'instance', 'The instance is running again.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'resumeInstance', input.id.id, (services) =>
        services.instances.resume({ companyId: companyOf(context), instanceId: ownedBy(context, input.id.id).id }),
      ),
  }),
}));
