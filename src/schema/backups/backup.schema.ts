import { builder } from '../builder.js';
import { BackupStatusEnum, BackupTypeEnum } from '../enums.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { ownedBy } from '../tenancy.js';
import { latestRowFor } from '../loaders.js';

export const BackupType = builder.prismaNode('Backup', {
  description: "A backup of an instance: the provider's backup and our stored copy of its file.",
  id: { field: 'id' },
  // No scope of its own: every field leading here requires a company's key, and node(id:)
  // finds only the caller's company's rows (test/scope-reachability.test.ts). Queries over
  // it can so run compiled (compiled-execution.ts).
  // Nullable: a missing or foreign id answers null, not an error (see tenancy.ts).
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    backupId: t.exposeString('backupId', { nullable: true, description: "The provider's id of the backup." }),
    type: t.expose('type', { type: BackupTypeEnum, description: 'Why it was taken.' }),
    status: t.expose('status', { type: BackupStatusEnum, description: 'Progress of the backup.' }),
    statusMessage: t.exposeString('statusMessage', { nullable: true, description: 'Reason of a failure.' }),
    sizeBytes: t.expose('sizeBytes', { type: 'BigInt', nullable: true, description: 'Size of the file in bytes.' }),
    checksumSha256: t.exposeString('checksumSha256', { nullable: true, description: 'SHA-256 of our stored copy.' }),
    downloadUrl: t.exposeString('downloadUrl', {
      nullable: true,
      description: 'Last temporary download URL issued (see `downloadExpiresAt`).',
    }),
    downloadExpiresAt: t.expose('downloadExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When `downloadUrl` stops working.',
    }),
    locked: t.exposeBoolean('locked', { description: 'Locked backups are never expired by retention.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When retention removes it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was requested.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it completed.' }),
    instance: t.relation('instance', { description: 'The instance that was backed up.' }),
  }),
});

builder.prismaObjectFields(OdooInstanceType, (t) => ({
  backups: t.relatedConnection('backups', {
    cursor: 'id',
    totalCount: true,
    description: 'Backups of this instance, newest first.',
    query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
  }),
  latestBackup: t.field({
    type: BackupType,
    nullable: true,
    description: 'The newest backup, whatever its status.',
    resolve: (instance, _args, context) => latestRowFor(context.loaders, instance, 'Backup'),
  }),
}));

builder.queryField('backup', (t) =>
  t.prismaField({
    type: BackupType,
    nullable: true,
    authScopes: { member: true },
    description: "One backup of the caller's company by its global id; null when there is none.",
    args: { id: t.arg.globalID({ required: true, description: 'Global id of the backup.' }) },
    resolve: (query, _root, { id }, context) =>
      id.typename === 'Backup' ? context.prisma.backup.findUnique({ ...query, where: ownedBy(context, id.id) }) : null,
  }),
);
