import { builder } from '../builder.js';
import { CompanyType } from '../companies/company.schema.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/error-classes.js';
import { OdooInstanceType } from '../instances/instance.types.js';
import { resultTypes, serviceResult } from '../mutation-result.js';
import { companyOf, ownedBy } from '../tenancy.js';
import { BackupType } from './backup.schema.js';

const BackupPolicyType = builder.prismaObject('BackupPolicy', {
  description:
    'When scheduled backups are taken and how long they are kept (grandfather-father-son). Manual backups are kept until deleted or expired.',
  fields: (t) => ({
    appliesToInstance: t.boolean({
      description: "True for an instance's own policy, false for the company default it inherits.",
      resolve: (policy) => policy.instanceId !== null,
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether scheduled backups are taken and retention applied.' }),
    schedule: t.exposeString('schedule', {
      description: 'Five-field cron expression, in UTC (default "0 3 * * *": every day at 03:00).',
    }),
    keepDaily: t.exposeInt('keepDaily', {
      description: 'Keep the newest scheduled backup of each of the last N days that have one.',
    }),
    keepWeekly: t.exposeInt('keepWeekly', {
      description: 'Keep the newest scheduled backup of each of the last N ISO weeks.',
    }),
    keepMonthly: t.exposeInt('keepMonthly', {
      description: 'Keep the newest scheduled backup of each of the last N months.',
    }),
    backupBeforeDeploy: t.exposeBoolean('backupBeforeDeploy', {
      description: 'Take a PRE_DEPLOYMENT backup before each deployment.',
    }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: 'When it last changed; schedule occurrences before this are not caught up.',
    }),
  }),
});

builder.prismaObjectFields(OdooInstanceType, (t) => ({
  backupPolicy: t.field({
    type: BackupPolicyType,
    nullable: true,
    description: 'The policy that governs this instance: its own, else the company default; null when neither is set.',
    resolve: (instance, _args, context) => context.loaders.backupPolicy.load(instance),
  }),
}));

builder.prismaObjectFields(CompanyType, (t) => ({
  backupPolicy: t.field({
    type: BackupPolicyType,
    nullable: true,
    description: 'The company default backup policy, inherited by instances without their own.',
    resolve: (company, _args, context) =>
      context.prisma.backupPolicy.findFirst({ where: { companyId: company.id, instanceId: null } }),
  }),
}));

const SetBackupPolicyInput = builder.inputType('SetBackupPolicyInput', {
  description:
    "The policy to set: the company default without `instanceId`, an instance's own with it. Omitted fields keep their value (or the default).",
  fields: (t) => ({
    instanceId: t.globalID({
      for: OdooInstanceType,
      required: false,
      description: 'The instance; omit for the company default.',
    }),
    enabled: t.boolean({
      required: false,
      description: 'False opts out of scheduled backups (an instance override can opt out of the default).',
    }),
    schedule: t.string({ required: false, description: 'Five-field cron expression in UTC, e.g. "0 3 * * *".' }),
    keepDaily: t.int({ required: false, description: 'Daily backups to keep (0-400).' }),
    keepWeekly: t.int({ required: false, description: 'Weekly backups to keep (0-400).' }),
    keepMonthly: t.int({ required: false, description: 'Monthly backups to keep (0-400).' }),
    backupBeforeDeploy: t.boolean({ required: false, description: 'Take a backup before each deployment.' }),
  }),
});

const BackupLockInput = builder.inputType('SetBackupLockedInput', {
  description: 'Locks or unlocks a backup.',
  fields: (t) => ({
    backupId: t.globalID({ for: BackupType, required: true, description: 'Global id of the backup.' }),
    locked: t.boolean({ required: true, description: 'True exempts the backup from retention and deletion.' }),
  }),
});

const DeleteBackupInput = builder.inputType('DeleteBackupInput', {
  description: 'A backup to delete.',
  fields: (t) => ({
    backupId: t.globalID({ for: BackupType, required: true, description: 'Global id of the backup.' }),
  }),
});

builder.mutationFields((t) => ({
  setBackupPolicy: t.field({
    type: BackupPolicyType,
    description: "Sets the company default backup policy, or an instance's own.",
    authScopes: { role: 'ADMIN' },
    args: { input: t.arg({ type: SetBackupPolicyInput, required: true, description: 'The policy.' }) },
    errors: {
      types: [NotFoundError, InvalidInputError],
      ...resultTypes('setBackupPolicy', 'backupPolicy', 'The policy now in force.'),
    },
    resolve: (_root, { input }, context) => {
      const { instanceId, ...policy } = input;
      return serviceResult(context, 'setBackupPolicy', instanceId?.id ?? null, (services) =>
        services.backups.setPolicy({
          companyId: companyOf(context),
          instanceId: instanceId ? ownedBy(context, instanceId.id).id : null,
          input: policy,
        }),
      );
    },
  }),
  setBackupLocked: t.prismaField({
    type: BackupType,
    description:
      'Locks a backup (retention and deletion leave it alone) or unlocks it. An EXPIRED backup cannot be locked (InvalidInputError).',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: BackupLockInput, required: true, description: 'The backup and the lock.' }) },
    errors: {
      types: [NotFoundError, InvalidInputError],
      ...resultTypes('setBackupLocked', 'backup', 'The backup with its new lock.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'setBackupLocked', input.backupId.id, (services) =>
        services.backups.setLocked({
          companyId: companyOf(context),
          backupId: ownedBy(context, input.backupId.id).id,
          locked: input.locked,
        }),
      ),
  }),
  deleteBackup: t.prismaField({
    type: BackupType,
    description: 'Deletes our copy of a backup now; the record stays, EXPIRED. Locked backups must be unlocked first.',
    authScopes: { role: 'OPERATOR' },
    args: { input: t.arg({ type: DeleteBackupInput, required: true, description: 'The backup.' }) },
    errors: {
      types: [NotFoundError, ConflictError],
      ...resultTypes('deleteBackup', 'backup', 'The backup, now EXPIRED.'),
    },
    resolve: (_query, _root, { input }, context) =>
      serviceResult(context, 'deleteBackup', input.backupId.id, (services) =>
        services.backups.delete({ companyId: companyOf(context), backupId: ownedBy(context, input.backupId.id).id }),
      ),
  }),
}));
