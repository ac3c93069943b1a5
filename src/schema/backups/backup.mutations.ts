import { filter, pipe } from 'graphql-yoga';
import type { BackupStatus } from '../../generated/prisma/enums.js';
import { terminalBackupStatuses } from '../../services/backups/backups.js';
import { builder } from '../builder.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/error-classes.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { resultTypes, selectionOf, serviceResult } from '../mutation-result.js';
import { statusStream } from '../status-stream.js';
import { companyOf, ownedBy } from '../tenancy.js';
import { BackupType } from './backup.schema.js';

const isTerminal = (status: string) => (terminalBackupStatuses as readonly string[]).includes(status);

const CreateBackupInput = builder.inputType('CreateBackupInput', {
  description: 'The instance to back up. The backup is returned PENDING; follow it with `backupStatus`.',
  fields: (t) => ({
    instanceId: t.globalID({ for: OdooInstanceType, required: true, description: 'Global id of the instance.' }),
    idempotencyKey: t.string({
      required: false,
      description: 'Repeating a request with the same key returns the first backup.',
    }),
    expiresAt: t.field({
      type: 'DateTime',
      required: false,
      description: 'When the backup may be deleted by retention; by default a manual backup is kept until deleted.',
    }),
  }),
});

const CreateBackupDownloadUrlInput = builder.inputType('CreateBackupDownloadUrlInput', {
  description: 'A completed backup to download.',
  fields: (t) => ({
    backupId: t.globalID({ for: BackupType, required: true, description: 'Global id of the backup.' }),
    expiresInSeconds: t.int({
      required: false,
      defaultValue: 900,
      description: 'How long the URL works: 60 to 86400 seconds (default 900).',
    }),
  }),
});

builder.mutationFields((t) => ({
  createBackup: t.prismaField({
    type: BackupType,
    description:
      'Backs up an instance: the provider takes the backup, then the server copies the file to its own storage.',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: CreateBackupInput, required: true, description: 'The instance.' }) },
    errors: {
      types: [NotFoundError, ConflictError, InvalidInputError],
      ...resultTypes('createBackup', 'backup', 'The backup was requested.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'createBackup', input.instanceId.id, (services) =>
        services.backups.create({
          companyId: companyOf(context),
          instanceId: ownedBy(context, input.instanceId.id).id,
          idempotencyKey: input.idempotencyKey,
          expiresAt: input.expiresAt,
        }),
      ),
  }),
  createBackupDownloadUrl: t.prismaField({
    type: BackupType,
    description:
      'Issues a temporary URL of this server for a completed backup; read it from `downloadUrl` and `downloadExpiresAt`.',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: CreateBackupDownloadUrlInput, required: true, description: 'The backup.' }) },
    errors: {
      types: [NotFoundError, ConflictError, InvalidInputError],
      ...resultTypes('createBackupDownloadUrl', 'backup', 'The URL was issued.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'createBackupDownloadUrl', input.backupId.id, (services) =>
        services.backups.createDownloadUrl({
          companyId: companyOf(context),
          backupId: ownedBy(context, input.backupId.id).id,
          expiresInSeconds: input.expiresInSeconds,
        }),
      ),
  }),
}));

builder.subscriptionField('backupStatus', (t) =>
  t.prismaField({
    type: BackupType,
    description:
      'The backup now, then each time its status changes; completes once it is COMPLETED, FAILED or EXPIRED.',
    authScopes: { member: true },
    args: { backupId: t.arg.globalID({ for: BackupType, required: true, description: 'Global id of the backup.' }) },
    subscribe: (_root, { backupId }, context) => {
      const where = ownedBy(context, backupId.id);
      return statusStream<BackupStatus>(context, {
        changes: pipe(
          context.pubsub.subscribe('fleetEvents', companyOf(context)),
          filter((event) => event.kind === 'BACKUP' && event.subjectId === where.id),
        ),
        current: () => context.prisma.backup.findFirst({ where, select: { id: true, status: true } }),
        notFound: () => new NotFoundError('Backup', backupId.id),
        isTerminal,
      });
    },
    resolve: async (query, event, _args, context) => ({
      ...(await context.prisma.backup.findUniqueOrThrow({ ...selectionOf(query), where: { id: event.id } })),
      status: event.status,
    }),
  }),
);
