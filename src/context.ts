// What every resolver receives. Built fresh for each request or WebSocket operation.
import type { PrismaClient } from './generated/prisma/client.js';
import type { Role } from './generated/prisma/enums.js';
import type { PubSub } from './pubsub.js';
import type { SqlReader } from './db/sql-reader.js';
import type { Loaders } from './schema/loaders.js';
import type { KeyRing } from './services/crypto/key-ring.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { UrlSigner } from './services/backups/download-urls.js';
import type { BackupStore } from './services/storage/backup-store.js';
import type { GitPublisher } from './services/deployments/git-publisher.js';
import type { Poller } from './jobs/poller.js';
import type { RevocationWatch } from './services/auth/revocation-watch.js';
import type { AddressPolicy } from './services/webhooks/address-policy.js';
import type { RepositoryPolicy } from './services/instances/destination-urls.js';
import type { FleetServices } from './services/fleet-services.js';
import type { MutationArguments } from './services/audit/audit-input.js';

/** The authenticated caller: a company's API key, or the platform operator. */
export type Caller =
  | {
      kind: 'apiKey';
      apiKeyId: string;
      companyId: string;
      role: Role;
      /** the only instances the key may see and act on; null for every instance of the company */
      instanceIds: readonly string[] | null;
      /** when the key stops working (open streams end then too); null for never */
      expiresAt: Date | null;
    }
  | { kind: 'platformAdmin' };

export interface GraphQLContext {
  prisma: PrismaClient;
  /** plain SQL for hot reads (db/sql-reader.ts); not narrowed to a key's instances: queries filter themselves */
  sql: SqlReader;
  pubsub: PubSub;
  keyRing: KeyRing;
  providers: ProviderRegistry;
  /** signs temporary download URLs of stored backups, served under `publicUrl` */
  downloads: { signer: UrlSigner; publicUrl: string };
  /** the fleet's copies of backup files */
  backupStore: BackupStore;
  /** reads and pushes instances' git repositories */
  git: GitPublisher;
  /** polls instances (checkInstanceHealth) */
  poller: Poller;
  /** which webhook URLs may be registered */
  webhookPolicy: AddressPolicy;
  /** which git repository URLs may be set */
  repositoryPolicy: RepositoryPolicy;
  caller: Caller | null;
  loaders: Loaders;
  /** the domain services, bound to this request's dependencies: mutations call `services.<domain>.<verb>` */
  services: FleetServices;
  /** ends streams when their API key is revoked (one map for the server) */
  revocations: RevocationWatch;
  /**
   * over graphql-ws: the connection is closed when its key is revoked or expires (app.ts),
   * which ends its streams, so a stream needs no watch of its own
   */
  endsWithConnection?: boolean;
  /** the arguments of a mutation operation's fields, for their audit rows (schema/audit/audit-inputs.ts) */
  mutationArguments?: MutationArguments;
}

/** The company whose data the caller may see; null for the platform operator or anonymous. */
export function callerCompanyId(context: Pick<GraphQLContext, 'caller'>): string | null {
  return context.caller?.kind === 'apiKey' ? context.caller.companyId : null;
}
