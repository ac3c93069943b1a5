import type { Caller } from '../../context.js';
import { builder } from '../builder.js';
import { CompanyType } from '../companies/company.schema.js';
import { RoleEnum } from '../enums.js';

const ViewerType = builder.objectRef<Caller>('Viewer').implement({
  description: "Who is calling: a company's API key, or the platform operator.",
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
