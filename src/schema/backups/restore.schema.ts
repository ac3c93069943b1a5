import { builder } from '../builder.js';
import { RestoreStatusEnum } from '../enums.js';
import { ConflictError, InvalidInputError, NotFoundError, UnsupportedError } from '../errors/error-classes.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { resultTypes, selectionOf, serviceResult } from '../mutation-result.js';
import { companyOf, ownedBy } from '../tenancy.js';
import { BackupType } from './backup.schema.js';

export const RestoreType = builder.prismaNode('Restore', {
  description: 'A restore of a backup into an instance: the same one, or another of the company.',
  id: { field: 'id' },
  authScopes: { member: true },
  nullable: true,
  findUnique: (id, context) => ownedBy(context, id),
  fields: (t) => ({
    status: t.expose('status', { type: RestoreStatusEnum, description: 'Progress of the restore.' }),
    neutralize: t.exposeBoolean('neutralize', {
      description: 'Whether the copy was neutralized (mail servers, crons, payment providers off).',
    }),
    error: t.exposeString('error', { nullable: true, description: 'Reason of a failure.' }),
    backup: t.relation('backup', { description: 'The backup restored.' }),
    targetInstance: t.relation('targetInstance', { description: 'The instance whose data the backup replaces.' }),
    safetyBackup: t.prismaField({
      type: BackupType,
      nullable: true,
      description:
        'The backup of the target taken just before the restore, to undo it with; null when the caller opted out.',
      resolve: (query, restore, _args, context) =>
        restore.safetyBackupId
          ? context.prisma.backup.findUnique({ ...query, where: { id: restore.safetyBackupId } })
          : null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was requested.' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true, description: 'When it completed.' }),
  }),
});

builder.prismaObjectFields(OdooInstanceType, (t) => ({
  restores: t.relatedConnection('restoresInto', {
    cursor: 'id',
    totalCount: true,
    description: 'Restores into this instance, newest first.',
    query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] },
  }),
}));

const RestoreBackupInput = builder.inputType('RestoreBackupInput', {
  description:
    "A completed backup to restore, and where. A restore overwrites the target's data: `confirm` must be true.",
  fields: (t) => ({
    backupId: t.globalID({ for: BackupType, required: true, description: 'Global id of a completed backup.' }),
    targetInstanceId: t.globalID({
      for: OdooInstanceType,
      required: false,
      description:
        'Instance to restore into (default: the instance the backup was taken of). Must belong to the same company.',
    }),
    confirm: t.boolean({
      required: true,
      description: "Must be true: acknowledges that the target's current data is replaced.",
    }),
    neutralize: t.boolean({
      required: false,
      defaultValue: false,
      description:
        'Turn off mail servers, crons and payment providers in the restored copy, for staging copies of production.',
    }),
    safetyBackup: t.boolean({
      required: false,
      defaultValue: true,
      description: 'Back up the target first (a PRE_RESTORE backup) so the restore can be undone. Default true.',
    }),
    idempotencyKey: t.string({
      required: false,
      description: 'Repeating a request with the same key returns the first restore.',
    }),
  }),
});

builder.mutationField('restoreBackup', (t) =>
  t.prismaField({
    type: RestoreType,
    description:
      'Restores a backup into an instance. Returns the restore PENDING; its progress arrives on `fleetEvents` (kind RESTORE).',
    authScopes: { role: 'OPERATOR' },
    args: {
      input: t.arg({
        type: RestoreBackupInput,
        required: true,
        description: 'The backup, the target and the confirmation.',
      }),
    },
    errors: {
      types: [NotFoundError, ConflictError, InvalidInputError, UnsupportedError],
      ...resultTypes('restoreBackup', 'restore', 'The restore was requested.'),
    },
    resolve: async (query, _root, { input }, context) => {
      const restore = await serviceResult(context, 'restoreBackup', input.backupId.id, (services) =>
        services.backups.restore({
          companyId: companyOf(context),
          backupId: ownedBy(context, input.backupId.id).id,
          targetInstanceId: input.targetInstanceId ? ownedBy(context, input.targetInstanceId.id).id : null,
          confirm: input.confirm,
          neutralize: input.neutralize,
          safetyBackup: input.safetyBackup,
          idempotencyKey: input.idempotencyKey,
        }),
      );
      return context.prisma.restore.findUniqueOrThrow({ ...selectionOf(query), where: { id: restore.id } });
    },
  }),
);
