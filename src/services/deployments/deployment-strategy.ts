// How a template reaches an instance, decided and checked before anything is pushed or
// installed, from what its provider can do (its descriptor's capabilities). Odoo.sh
// builds from git. A self-hosted server installs over RPC: data-only addons (XML, CSV,
// static files) go through Odoo's own module import; addons with
// Python code cannot (Odoo never runs imported Python), so they need the instance's git
// repository, which the server loads addons from, and are installed over RPC after the push.
import type { OdooInstance } from '../../generated/prisma/client.js';
import type { DeploymentStrategy } from '../../generated/prisma/enums.js';
import { requireCapability } from '../../providers/capabilities.js';
import { hasCapability, type ProviderDescriptor } from '../../providers/descriptor.js';
import { InvalidInputError } from '../errors.js';
import { parsePythonLiteral } from '../templates/python-literal.js';

/** The template files that are Python code (a manifest is a literal, an empty `__init__.py` nothing). */
export function pythonCodeFiles(files: ReadonlyArray<{ path: string; content: string }>): string[] {
  return files
    .filter(
      (file) => file.path.endsWith('.py') && !file.path.endsWith('/__manifest__.py') && file.content.trim() !== '',
    )
    .map((file) => file.path);
}

export function deploymentStrategyFor(
  provider: ProviderDescriptor,
  instance: Pick<OdooInstance, 'gitRepositoryUrl'>,
  template: { files: ReadonlyArray<{ path: string; content: string }> },
  asked: DeploymentStrategy | null | undefined,
): DeploymentStrategy {
  const python = pythonCodeFiles(template.files);
  const gitNeeded = hasCapability(provider, 'deployByGit') && python.length > 0 && instance.gitRepositoryUrl;
  const strategy = asked ?? (hasCapability(provider, 'deployByModuleInstall') && !gitNeeded ? 'XMLRPC' : 'GIT');
  requireCapability(provider, strategy === 'GIT' ? 'deployByGit' : 'deployByModuleInstall');
  if (strategy === 'GIT' && !instance.gitRepositoryUrl) {
    throw new InvalidInputError([
      { path: ['strategy'], message: 'the instance has no git repository (set gitRepositoryUrl with updateInstance)' },
    ]);
  }
  if (strategy === 'XMLRPC' && python.length > 0) {
    throw new InvalidInputError([
      {
        path: ['templateId'],
        message: `the template's addons hold Python code, which Odoo's module import does not install: ${python.join(', ')} (give the instance a git repository its server loads addons from, and deploy with GIT)`,
      },
    ]);
  }
  return strategy;
}

/** The version each of a template's addons declares in its manifest. */
export function manifestVersions(files: ReadonlyArray<{ path: string; content: string }>): Map<string, string> {
  const versions = new Map<string, string>();
  for (const file of files) {
    const addon = /^([^/]+)\/__manifest__\.py$/.exec(file.path)?.[1];
    if (!addon) continue;
    const manifest = parsePythonLiteral(file.content) as { version?: unknown };
    if (typeof manifest.version === 'string') versions.set(addon, manifest.version);
  }
  return versions;
}

/** Odoo records a manifest version prefixed with its serie ("1.0" on 17.0 reads "17.0.1.0"). */
export function sameModuleVersion(installed: string, manifest: string): boolean {
  if (installed === manifest) return true;
  const serie = installed.slice(0, installed.length - manifest.length - 1);
  return installed.endsWith(`.${manifest}`) && /^\d+\.\d+$/.test(serie);
}
