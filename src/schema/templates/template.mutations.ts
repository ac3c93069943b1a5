import { TEMPLATE_LIMITS } from '../../services/templates/templates.js';
import { builder } from '../builder.js';
import { maxLength } from '../input-guard.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/error-classes.js';
import { resultTypes, selectionOf, serviceResult } from '../mutation-result.js';
import { companyOf, ownedBy } from '../tenancy.js';
import { TemplateType } from './template.schema.js';

const TemplateFileInput = builder.inputType('TemplateFileInput', {
  description: 'One file of an addon: its path from the repository root ("my_addon/models/thing.py") and its text.',
  fields: (t) => ({
    path: t.string({
      required: true,
      description: 'Path from the repository root; the first folder is the addon (a module name).',
    }),
    content: t.string({
      required: true,
      description: "The file's text (at most 1 MB).",
      extensions: maxLength(TEMPLATE_LIMITS.fileBytes),
    }),
  }),
});

const CreateTemplateInput = builder.inputType('CreateTemplateInput', {
  description: 'A new template. Each addon folder needs a `__manifest__.py` holding a Python dict with a "name".',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Name; unique with the version in the company.' }),
    version: t.string({ required: true, description: 'Version, such as "1.0".' }),
    description: t.string({ required: false, description: 'What it is for.' }),
    modules: t.stringList({
      required: true,
      description: 'Technical names of the modules to install or upgrade (the addons here and any others).',
    }),
    files: t.field({
      type: [TemplateFileInput],
      required: false,
      defaultValue: [],
      description: 'The addon files (none for a template of standard modules only).',
    }),
  }),
});

const UpdateTemplateInput = builder.inputType('UpdateTemplateInput', {
  description: 'Changes to a template; omitted fields stay. `files`, when given, replaces the whole tree.',
  fields: (t) => ({
    id: t.globalID({ for: TemplateType, required: true, description: 'Global id of the template.' }),
    name: t.string({ required: false, description: 'New name.' }),
    version: t.string({ required: false, description: 'New version.' }),
    description: t.string({ required: false, description: 'New description.' }),
    modules: t.stringList({ required: false, description: 'New list of modules.' }),
    files: t.field({ type: [TemplateFileInput], required: false, description: 'New files, replacing all of them.' }),
  }),
});

builder.mutationFields((t) => ({
  createTemplate: t.prismaField({
    type: TemplateType,
    description: 'Saves a template of Odoo modules and addon files, checked as Odoo would read it.',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: CreateTemplateInput, required: true, description: 'The template.' }) },
    errors: {
      types: [InvalidInputError, ConflictError],
      ...resultTypes('createTemplate', 'template', 'The template was saved.'),
    },
    resolve: async (query, _root, { input }, context) => {
      const template = await serviceResult(
        context,
        'createTemplate',
        null,
        (services) =>
          services.templates.create({ companyId: companyOf(context), input: { ...input, files: input.files ?? [] } }),
        { targetOf: (created) => created.id },
      );
      return context.prisma.template.findUniqueOrThrow({ ...selectionOf(query), where: { id: template.id } });
    },
  }),
  updateTemplate: t.prismaField({
    type: TemplateType,
    description: 'Changes a template. Deployments already made keep the commit they pushed.',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: UpdateTemplateInput, required: true, description: 'The changes.' }) },
    errors: {
      types: [NotFoundError, InvalidInputError, ConflictError],
      ...resultTypes('updateTemplate', 'template', 'The template was changed.'),
    },
    resolve: async (query, _root, { input }, context) => {
      const { id, ...changes } = input;
      const template = await serviceResult(context, 'updateTemplate', id.id, (services) =>
        services.templates.update({
          companyId: companyOf(context),
          templateId: ownedBy(context, id.id).id,
          input: {
            name: changes.name ?? undefined,
            version: changes.version ?? undefined,
            description: changes.description,
            modules: changes.modules ?? undefined,
            files: changes.files ?? undefined,
          },
        }),
      );
      return context.prisma.template.findUniqueOrThrow({ ...selectionOf(query), where: { id: template.id } });
    },
  }),
}));
