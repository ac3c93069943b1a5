// The database enums, exposed under the same names and values.
import {
  BackupStatus,
  BackupType,
  DeploymentMethod,
  DeploymentStatus,
  DeploymentStrategy,
  HealthStatus,
  InstanceStatus,
  LogLevel,
  RestoreStatus,
  Role,
  SubscriptionTier,
} from '../generated/prisma/enums.js';
import { builder } from './builder.js';

export const RoleEnum = builder.enumType(Role, {
  name: 'Role',
  description: 'What an API key may do: ADMIN everything in its company, OPERATOR operate, VIEWER read.',
});
export const DeploymentMethodEnum = builder.enumType(DeploymentMethod, {
  name: 'DeploymentMethod',
  description: 'The provider hosting an instance.',
});
export const InstanceStatusEnum = builder.enumType(InstanceStatus, {
  name: 'InstanceStatus',
  description: 'Life-cycle state of an instance, mirrored from its provider.',
});
export const SubscriptionTierEnum = builder.enumType(SubscriptionTier, {
  name: 'SubscriptionTier',
  description: 'Commercial tier of an instance.',
});
export const BackupStatusEnum = builder.enumType(BackupStatus, {
  name: 'BackupStatus',
  description:
    'PENDING → IN_PROGRESS → DOWNLOADING (copied to our storage) → COMPLETED, or FAILED; EXPIRED after retention.',
});
export const BackupTypeEnum = builder.enumType(BackupType, {
  name: 'BackupType',
  description: 'Why a backup was taken.',
});
export const DeploymentStatusEnum = builder.enumType(DeploymentStatus, {
  name: 'DeploymentStatus',
  description: 'PENDING (before push) → QUEUED → BUILDING → DEPLOYING → SUCCESS, FAILED or CANCELLED.',
});
export const DeploymentStrategyEnum = builder.enumType(DeploymentStrategy, {
  name: 'DeploymentStrategy',
  description: 'GIT pushes addons to the repository; XMLRPC installs modules on a self-hosted server.',
});
export const HealthStatusEnum = builder.enumType(HealthStatus, {
  name: 'HealthStatus',
  description: 'Health of an instance from its latest check.',
});
export const LogLevelEnum = builder.enumType(LogLevel, {
  name: 'LogLevel',
  description: 'Severity of a log line, as Odoo names them.',
});
export const RestoreStatusEnum = builder.enumType(RestoreStatus, {
  name: 'RestoreStatus',
  description: 'PENDING → SAFETY_BACKUP (backing up the target first) → IN_PROGRESS → COMPLETED, or FAILED.',
});
