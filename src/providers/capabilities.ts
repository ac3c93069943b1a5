// The one place a missing capability becomes an error: services ask before they record
// anything, so an unsupported request changes nothing.
import { UnsupportedError } from '../services/errors.js';
import { hasCapability, type Capability, type ProviderDescriptor } from './descriptor.js';

const wording: Record<Capability, string> = {
  suspend: 'suspend or resume instances',
  restoreIntoAnotherInstance: 'restore a backup into another instance',
  restoreStoredCopies: "restore backups taken of another provider's instances",
  neutralize: 'neutralize a restored database',
  cancelDeployment: 'cancel deployments',
  deployByGit: 'deploy from a git repository',
  deployByModuleInstall: 'install modules over RPC (strategy XMLRPC)',
};

export function requireCapability(
  descriptor: Pick<ProviderDescriptor, 'capabilities' | 'method' | 'label'>,
  capability: Capability,
): void {
  if (!hasCapability(descriptor, capability)) {
    throw new UnsupportedError(
      capability,
      descriptor.method,
      `${descriptor.label} instances cannot ${wording[capability]}.`,
    );
  }
}
