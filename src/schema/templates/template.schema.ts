import { containsText } from '../../services/text-search.js';
import { builder } from '../builder.js';
import { companyOf, ownedBy } from '../tenancy.js';

const TemplateFileType = builder.prismaObject('TemplateFile', {
  description: "One file of a template's addon tree.",
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Path relative to the repository root.' }),
    content: t.exposeString('content', { description: "The file's text." }),
  }),
});

export const TemplateType = builder.prismaNode('Template', {
  description: 'Odoo modules and addon files that can be deployed to instances.',
  id: { field: 'id' },
  authScopes: { member: true },
  // Nullable: a missing or foreign id answers null, not an error (see tenancy.ts).
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name of the template.' }),
    version: t.exposeString('version', { description: 'Version of the template.' }),
    description: t.exposeString('description', { nullable: true, description: 'What it is for.' }),
    modules: t.exposeStringList('modules', { description: 'Technical names of the modules to install.' }),
    files: t.relation('files', {
      type: TemplateFileType,
      description: 'The addon files, sorted by path.',
      query: { orderBy: { path: 'asc' } },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change.' }),
  }),
});

builder.queryFields((t) => ({
  template: t.prismaField({
    type: TemplateType,
    nullable: true,
    authScopes: { member: true },
    description: "One template of the caller's company by its global id; null when there is none.",
    args: { id: t.arg.globalID({ required: true, description: 'Global id of the template.' }) },
    resolve: (query, _root, { id }, context) =>
      id.typename === 'Template'
        ? context.prisma.template.findUnique({ ...query, where: ownedBy(context, id.id) })
        : null,
  }),
  templates: t.prismaConnection({
    type: TemplateType,
    cursor: 'id',
    authScopes: { member: true },
    description: "The caller's company's templates, by name then version.",
    args: { nameContains: t.arg.string({ required: false, description: 'Case-insensitive part of the name.' }) },
    totalCount: (_parent, { nameContains }, context) =>
      context.prisma.template.count({ where: templateWhere(companyOf(context), nameContains) }),
    resolve: (query, _root, { nameContains }, context) =>
      context.prisma.template.findMany({
        ...query,
        where: templateWhere(companyOf(context), nameContains),
        orderBy: [{ name: 'asc' }, { version: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

function templateWhere(companyId: string, nameContains: string | null | undefined) {
  return {
    companyId,
    ...(nameContains ? { name: containsText(nameContains) } : {}),
  };
}
