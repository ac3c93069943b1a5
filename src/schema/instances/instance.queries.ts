import { builder } from '../builder.js';
import { DeploymentMethodEnum, InstanceStatusEnum, SubscriptionTierEnum } from '../enums.js';
import { ownedBy } from '../tenancy.js';
import { instancePage } from './instance-page.js';
import { OdooInstanceType } from './instance.types.js';

const InstanceFilter = builder.inputType('InstanceFilter', {
  description: 'Narrows `instances`; all given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: [InstanceStatusEnum], required: false, description: 'Any of these statuses.' }),
    deploymentMethod: t.field({ type: DeploymentMethodEnum, required: false, description: 'Only this provider.' }),
    subscriptionTier: t.field({ type: SubscriptionTierEnum, required: false, description: 'Only this tier.' }),
    nameContains: t.string({ required: false, description: 'Case-insensitive part of the name.' }),
  }),
});

const InstanceOrderField = builder.enumType('InstanceOrderField', {
  description: 'Field to sort instances by.',
  values: {
    NAME: { value: 'name', description: 'Alphabetically by name.' },
    CREATED_AT: { value: 'createdAt', description: 'By creation time.' },
    STATUS: { value: 'status', description: 'By status, then name.' },
  } as const,
});

const SortDirection = builder.enumType('SortDirection', {
  description: 'Ascending or descending.',
  values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const,
});

const InstanceOrder = builder.inputType('InstanceOrder', {
  description: 'Sort order of `instances`; ties are broken by id so pages are stable.',
  fields: (t) => ({
    field: t.field({ type: InstanceOrderField, required: true, description: 'What to sort by.' }),
    direction: t.field({ type: SortDirection, defaultValue: 'asc', description: 'Which way.' }),
  }),
});

builder.queryFields((t) => ({
  instance: t.prismaField({
    type: OdooInstanceType,
    nullable: true,
    authScopes: { member: true },
    description: "One instance of the caller's company by its global id; null when there is none.",
    args: { id: t.arg.globalID({ required: true, description: 'Global id of the instance.' }) },
    resolve: (query, _root, { id }, context) =>
      id.typename === 'OdooInstance'
        ? context.prisma.odooInstance.findUnique({ ...query, where: ownedBy(context, id.id) })
        : null,
  }),
  instances: t.connection(
    {
      type: OdooInstanceType,
      authScopes: { member: true },
      description: "The caller's company's instances (deleted ones only when asked for by status).",
      args: {
        filter: t.arg({ type: InstanceFilter, required: false, description: 'Conditions to match.' }),
        orderBy: t.arg({ type: InstanceOrder, required: false, description: 'Default: newest first.' }),
      },
      resolve: (_root, args, context, info) => instancePage(context, info, args),
    },
    {
      fields: (connection) => ({
        totalCount: connection.int({
          description: 'Number of items in the whole list, across all pages.',
          resolve: (page) => page.totalCount,
        }),
      }),
    },
  ),
}));
