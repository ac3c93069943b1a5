import { callerCompanyId } from '../../context.js';
import { createCompany } from '../../services/companies/companies.js';
import { builder } from '../builder.js';
import { ConflictError, InvalidInputError } from '../errors/error-classes.js';
import { audited, resultTypes } from '../mutation-result.js';
import { NIL_UUID } from '../tenancy.js';

export const CompanyType = builder.prismaNode('Company', {
  description: 'A client company of the hosting business.',
  id: { field: 'id' },
  authScopes: { member: true, platformAdmin: true },
  nullable: true,
  // A member sees only its own company; the platform operator sees companies it creates.
  findUnique: (id, context) => ({ id: id === callerCompanyId(context) ? id : NIL_UUID }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    slug: t.exposeString('slug', { description: 'Unique short name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    apiKeys: t.relatedConnection('apiKeys', {
      cursor: 'id',
      totalCount: true,
      authScopes: { role: 'ADMIN' },
      description: "The company's API keys, newest first (admins only).",
      args: { includeRevoked: t.arg.boolean({ defaultValue: false, description: 'Also list revoked keys.' }) },
      query: ({ includeRevoked }) => ({
        where: includeRevoked ? {} : { revokedAt: null },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
    }),
    auditEvents: t.relatedConnection('auditEvents', {
      cursor: 'id',
      totalCount: true,
      authScopes: { role: 'ADMIN' },
      description: "Every mutation on the company's data, newest first (admins only).",
      args: {
        operation: t.arg.string({ required: false, description: 'Only this operation, e.g. revokeApiKey.' }),
        since: t.arg({ type: 'DateTime', required: false, description: 'Only events from this instant.' }),
      },
      query: ({ operation, since }) => ({
        where: { ...(operation ? { operation } : {}), ...(since ? { createdAt: { gte: since } } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
    }),
  }),
});

const CreateCompanyInput = builder.inputType('CreateCompanyInput', {
  description: 'A new client company.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name (1-200 characters).' }),
    slug: t.string({ required: true, description: 'Unique short name: lowercase letters, digits and inner hyphens.' }),
  }),
});

builder.mutationField('createCompany', (t) =>
  t.prismaField({
    type: CompanyType,
    description: 'Creates a client company (platform operator only). Then create its first key with `createApiKey`.',
    authScopes: { platformAdmin: true },
    args: { input: t.arg({ type: CreateCompanyInput, required: true, description: 'The company.' }) },
    errors: {
      types: [InvalidInputError, ConflictError],
      ...resultTypes('createCompany', 'company', 'The company was created.'),
    },
    resolve: (_query, _root, { input }, context) =>
      audited(context, 'createCompany', null, () => createCompany(context, input), {
        targetOf: (company) => company.id,
        companyOf: (company) => company.id,
      }),
  }),
);
