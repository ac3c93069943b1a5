import type { Caller } from '../../context.js';
import { builder } from '../builder.js';
import { RoleEnum } from '../enums.js';

const CompanyType = builder.prismaObject('Company', {
  description: 'A client company of the hosting business.',
  authScopes: { member: true, platformAdmin: true },
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Id of the company.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    slug: t.exposeString('slug', { description: 'Unique short name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

const ViewerType = builder.objectRef<Caller>('Viewer').implement({
  description: 'Who is calling: a company\'s API key, or the platform operator.',
  fields: (t) => ({
    isPlatformAdmin: t.boolean({
      description: 'True for the platform operator token.',
      resolve: (caller) => caller.kind === 'platformAdmin',
    }),
    role: t.field({
      type: RoleEnum,
      nullable: true,
      description: 'Role of the API key; null for the platform operator.',
      resolve: (caller) => (caller.kind === 'apiKey' ? caller.role : null),
    }),
    company: t.prismaField({
      type: CompanyType,
      nullable: true,
      description: 'The company of the API key; null for the platform operator.',
      resolve: (query, caller, _args, context) =>
        caller.kind === 'apiKey'
          ? context.prisma.company.findUnique({ ...query, where: { id: caller.companyId } })
          : null,
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerType,
    nullable: true,
    description: 'The authenticated caller; null without a valid token.',
    resolve: (_root, _args, context) => context.caller,
  }),
);
