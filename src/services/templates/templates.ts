// Templates: Odoo modules to install and the addon files that provide the custom ones.
// Files are checked when saved, so a deployment never pushes what Odoo would refuse:
// each top-level folder is an addon named like a module, holding a `__manifest__.py` that
// is a Python dict literal; paths stay inside the addon; sizes are bounded.
import { z } from 'zod';
import type { PrismaClient, Template } from '../../generated/prisma/client.js';
import { ConflictError, NotFoundError, type FieldError } from '../errors.js';
import { parseInput } from '../validation.js';
import { parsePythonLiteral, PythonSyntaxError } from './python-literal.js';

export interface TemplateFileInput {
  path: string;
  content: string;
}

export interface TemplateInput {
  name: string;
  version: string;
  description?: string | null;
  modules: string[];
  files: TemplateFileInput[];
}

export const TEMPLATE_LIMITS = { files: 500, fileBytes: 1_000_000, totalBytes: 10_000_000, modules: 200 };

const MODULE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** The addon folders a template writes (the first segment of each file path). */
export function addonFolders(files: ReadonlyArray<{ path: string }>): string[] {
  return [...new Set(files.map((file) => file.path.split('/')[0]!))].sort();
}

function fileProblems(files: TemplateFileInput[]): FieldError[] {
  const problems: FieldError[] = [];
  if (files.length > TEMPLATE_LIMITS.files)
    problems.push({ path: ['files'], message: `at most ${TEMPLATE_LIMITS.files} files` });
  let total = 0;
  const seen = new Set<string>();
  files.forEach((file, index) => {
    const at = ['files', String(index), 'path'];
    const segments = file.path.split('/');
    if (segments.length < 2 || !segments.every((segment) => PATH_SEGMENT.test(segment)) || segments.includes('.git')) {
      problems.push({
        path: at,
        message:
          'must be a relative path inside an addon folder ("my_addon/models/thing.py"), without "..", "." or hidden segments',
      });
    } else if (!MODULE_NAME.test(segments[0]!)) {
      problems.push({
        path: at,
        message: `the addon folder "${segments[0]}" must be a module name (lowercase letters, digits, _)`,
      });
    }
    if (seen.has(file.path)) problems.push({ path: at, message: 'appears twice' });
    seen.add(file.path);
    const bytes = Buffer.byteLength(file.content);
    total += bytes;
    if (bytes > TEMPLATE_LIMITS.fileBytes)
      problems.push({
        path: ['files', String(index), 'content'],
        message: `is larger than ${TEMPLATE_LIMITS.fileBytes} bytes`,
      });
  });
  if (total > TEMPLATE_LIMITS.totalBytes)
    problems.push({ path: ['files'], message: `add up to more than ${TEMPLATE_LIMITS.totalBytes} bytes` });

  for (const addon of addonFolders(files.filter((file) => file.path.includes('/')))) {
    const index = files.findIndex((file) => file.path === `${addon}/__manifest__.py`);
    if (index < 0) {
      problems.push({ path: ['files'], message: `the addon "${addon}" has no ${addon}/__manifest__.py` });
      continue;
    }
    try {
      const manifest = parsePythonLiteral(files[index]!.content);
      if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))
        throw new PythonSyntaxError('the manifest must be a dict', 1);
      if (typeof manifest.name !== 'string') throw new PythonSyntaxError('the manifest needs a "name" string', 1);
      if (
        manifest.depends !== undefined &&
        (!Array.isArray(manifest.depends) || !manifest.depends.every((name) => typeof name === 'string'))
      ) {
        throw new PythonSyntaxError('"depends" must be a list of module names', 1);
      }
    } catch (error) {
      if (!(error instanceof PythonSyntaxError)) throw error;
      problems.push({
        path: ['files', String(index), 'content'],
        message: `is not a valid manifest: ${error.message}`,
      });
    }
  }
  return problems;
}

export function templateProblems(input: TemplateInput): FieldError[] {
  const problems: FieldError[] = [];
  if (!/^\S(.{0,98}\S)?$/.test(input.name))
    problems.push({ path: ['name'], message: 'must be 1-100 characters, not starting or ending with a space' });
  if (!/^\d+(\.\d+){0,4}$/.test(input.version))
    problems.push({ path: ['version'], message: 'must be a version such as "1.0" or "17.0.1.2.0"' });
  if (input.modules.length === 0)
    problems.push({ path: ['modules'], message: 'must name at least one module to install' });
  if (input.modules.length > TEMPLATE_LIMITS.modules)
    problems.push({ path: ['modules'], message: `at most ${TEMPLATE_LIMITS.modules} modules` });
  input.modules.forEach((name, index) => {
    if (!MODULE_NAME.test(name))
      problems.push({
        path: ['modules', String(index)],
        message: 'must be a module technical name (lowercase letters, digits, _)',
      });
  });
  if (new Set(input.modules).size !== input.modules.length)
    problems.push({ path: ['modules'], message: 'names a module twice' });
  return [...problems, ...fileProblems(input.files)];
}

async function saved(prisma: PrismaClient, work: () => Promise<Template>): Promise<Template> {
  try {
    return await work();
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002')
      throw new ConflictError('A template with this name and version already exists.');
    throw error;
  }
}

/** A template as saved: its rules are code (manifests are parsed), run as a refinement. */
const templateInput = z.custom<TemplateInput>().superRefine((input, context) => {
  for (const problem of templateProblems(input))
    context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
});

export async function createTemplate(
  prisma: PrismaClient,
  request: { companyId: string; input: TemplateInput },
): Promise<Template> {
  parseInput(templateInput, request.input);
  const { files, ...fields } = request.input;
  return saved(prisma, () =>
    prisma.template.create({
      data: {
        ...fields,
        companyId: request.companyId,
        files: { create: files.map((file) => ({ path: file.path, content: file.content })) },
      },
    }),
  );
}

/** Replaces what is given; files, when given, replace the whole tree. */
export async function updateTemplate(
  prisma: PrismaClient,
  request: { companyId: string; templateId: string; input: Partial<TemplateInput> },
): Promise<Template> {
  const current = await prisma.template.findFirst({
    where: { id: request.templateId, companyId: request.companyId },
    include: { files: true },
  });
  if (!current) throw new NotFoundError('Template', request.templateId);
  const next: TemplateInput = {
    name: request.input.name ?? current.name,
    version: request.input.version ?? current.version,
    description: request.input.description === undefined ? current.description : request.input.description,
    modules: request.input.modules ?? current.modules,
    files: request.input.files ?? current.files,
  };
  parseInput(templateInput, next);
  return saved(prisma, () =>
    prisma.$transaction(async (tx) => {
      if (request.input.files) {
        await tx.templateFile.deleteMany({ where: { templateId: current.id } });
        await tx.templateFile.createMany({
          data: next.files.map((file) => ({ templateId: current.id, path: file.path, content: file.content })),
        });
      }
      return tx.template.update({
        where: { id: current.id },
        data: { name: next.name, version: next.version, description: next.description, modules: next.modules },
      });
    }),
  );
}
