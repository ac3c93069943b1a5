// Keeps the API keys the self-hosted provider makes (Odoo 19+) in the instance's
// encrypted `odooApiKeyEnc` column, bound to the server they were made on: a key made
// for one server is written only while the instance still points at that server.
import type { PrismaClient } from '../../generated/prisma/client.js';
import { instanceSecretSlot } from '../../services/credentials/credentials.js';
import type { KeyRing } from '../../services/crypto/key-ring.js';
import type { OdooApiKeyStore } from '../descriptor.js';

export function createOdooApiKeyStore(deps: { prisma: PrismaClient; keyRing: KeyRing }): OdooApiKeyStore {
  return {
    async save(instance, apiKey) {
      const envelope = deps.keyRing.encrypt(apiKey, instanceSecretSlot(instance, 'odooApiKeyEnc', ''));
      await deps.prisma.odooInstance.updateMany({
        where: { id: instance.id, serverUrl: instance.serverUrl },
        data: { odooApiKeyEnc: envelope },
      });
    },
  };
}
