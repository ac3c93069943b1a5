-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'OPERATOR', 'VIEWER');

-- CreateEnum
CREATE TYPE "DeploymentMethod" AS ENUM ('ODOO_SH', 'SELF_HOSTED');

-- CreateEnum
CREATE TYPE "InstanceStatus" AS ENUM ('CREATING', 'RUNNING', 'SUSPENDED', 'MAINTENANCE', 'DELETING', 'DELETED', 'ERROR');

-- CreateEnum
CREATE TYPE "SubscriptionTier" AS ENUM ('STARTER', 'GROWTH', 'ENTERPRISE');

-- CreateEnum
CREATE TYPE "BackupStatus" AS ENUM ('PENDING', 'IN_PROGRESS', 'DOWNLOADING', 'COMPLETED', 'FAILED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "BackupType" AS ENUM ('MANUAL', 'SCHEDULED', 'PRE_DEPLOYMENT', 'PRE_RESTORE');

-- CreateEnum
CREATE TYPE "RestoreStatus" AS ENUM ('PENDING', 'SAFETY_BACKUP', 'IN_PROGRESS', 'COMPLETED', 'FAILED');

-- CreateEnum
CREATE TYPE "DeploymentStatus" AS ENUM ('PENDING', 'QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "DeploymentStrategy" AS ENUM ('GIT', 'XMLRPC');

-- CreateEnum
CREATE TYPE "HealthStatus" AS ENUM ('HEALTHY', 'DEGRADED', 'DOWN', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "LogLevel" AS ENUM ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL');

-- CreateEnum
CREATE TYPE "OperationKind" AS ENUM ('CREATE_INSTANCE', 'DELETE_INSTANCE', 'BACKUP', 'RESTORE', 'DEPLOY');

-- CreateEnum
CREATE TYPE "OperationStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('API_KEY', 'PLATFORM_ADMIN', 'SYSTEM');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('SUCCESS', 'FAILURE', 'DENIED');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "Company" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Company_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "tokenPrefix" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OdooInstance" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "instanceId" TEXT,
    "name" TEXT NOT NULL,
    "url" TEXT,
    "database" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "deploymentMethod" "DeploymentMethod" NOT NULL DEFAULT 'ODOO_SH',
    "status" "InstanceStatus" NOT NULL DEFAULT 'CREATING',
    "statusMessage" TEXT,
    "subscriptionId" TEXT,
    "subscriptionTier" "SubscriptionTier" NOT NULL DEFAULT 'STARTER',
    "gitRepositoryUrl" TEXT,
    "gitBranch" TEXT NOT NULL DEFAULT 'master',
    "gitCommitHash" TEXT,
    "serverUrl" TEXT,
    "odooLogin" TEXT,
    "providerTokenEnc" TEXT,
    "odooPasswordEnc" TEXT,
    "masterPasswordEnc" TEXT,
    "gitCredentialEnc" TEXT,
    "secretsKeyId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "OdooInstance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Backup" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "instanceId" UUID NOT NULL,
    "backupId" TEXT,
    "type" "BackupType" NOT NULL DEFAULT 'MANUAL',
    "status" "BackupStatus" NOT NULL DEFAULT 'PENDING',
    "statusMessage" TEXT,
    "sizeBytes" BIGINT,
    "checksumSha256" TEXT,
    "storageKey" TEXT,
    "downloadUrl" TEXT,
    "downloadExpiresAt" TIMESTAMPTZ(3),
    "locked" BOOLEAN NOT NULL DEFAULT false,
    "expiresAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Backup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Restore" (
    "id" UUID NOT NULL,
    "backupId" UUID NOT NULL,
    "targetInstanceId" UUID NOT NULL,
    "status" "RestoreStatus" NOT NULL DEFAULT 'PENDING',
    "neutralize" BOOLEAN NOT NULL DEFAULT false,
    "safetyBackupId" UUID,
    "providerRestoreId" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Restore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackupPolicy" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "instanceId" UUID,
    "schedule" TEXT NOT NULL DEFAULT '0 3 * * *',
    "keepDaily" INTEGER NOT NULL DEFAULT 7,
    "keepWeekly" INTEGER NOT NULL DEFAULT 4,
    "keepMonthly" INTEGER NOT NULL DEFAULT 12,
    "backupBeforeDeploy" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "BackupPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Template" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "description" TEXT,
    "modules" TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Template_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TemplateFile" (
    "id" UUID NOT NULL,
    "templateId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "content" TEXT NOT NULL,

    CONSTRAINT "TemplateFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deployment" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "instanceId" UUID NOT NULL,
    "templateId" UUID,
    "strategy" "DeploymentStrategy" NOT NULL DEFAULT 'GIT',
    "status" "DeploymentStatus" NOT NULL DEFAULT 'PENDING',
    "branch" TEXT NOT NULL,
    "commitHash" TEXT,
    "providerDeploymentId" TEXT,
    "redeployOfId" UUID,
    "backupId" UUID,
    "error" TEXT,
    "log" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeploymentStatusChange" (
    "id" UUID NOT NULL,
    "deploymentId" UUID NOT NULL,
    "status" "DeploymentStatus" NOT NULL,
    "message" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeploymentStatusChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HealthSample" (
    "id" UUID NOT NULL,
    "instanceId" UUID NOT NULL,
    "status" "HealthStatus" NOT NULL,
    "responseTimeMs" INTEGER,
    "checks" JSONB NOT NULL DEFAULT '{}',
    "checkedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "HealthSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetricSample" (
    "id" UUID NOT NULL,
    "instanceId" UUID NOT NULL,
    "sampledAt" TIMESTAMPTZ(3) NOT NULL,
    "cpuPercent" DOUBLE PRECISION,
    "memoryBytes" BIGINT,
    "storageBytes" BIGINT,
    "dbSizeBytes" BIGINT,
    "requestsPerMinute" INTEGER,
    "activeUsers" INTEGER,

    CONSTRAINT "MetricSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LogEntry" (
    "id" UUID NOT NULL,
    "instanceId" UUID NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,
    "level" "LogLevel" NOT NULL,
    "logger" TEXT NOT NULL,
    "message" TEXT NOT NULL,

    CONSTRAINT "LogEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InstancePollState" (
    "instanceId" UUID NOT NULL,
    "nextPollAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "lastHealthStatus" "HealthStatus" NOT NULL DEFAULT 'UNKNOWN',
    "lastLogAt" TIMESTAMPTZ(3),
    "lastPolledAt" TIMESTAMPTZ(3),

    CONSTRAINT "InstancePollState_pkey" PRIMARY KEY ("instanceId")
);

-- CreateTable
CREATE TABLE "Operation" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "instanceId" UUID,
    "kind" "OperationKind" NOT NULL,
    "status" "OperationStatus" NOT NULL DEFAULT 'PENDING',
    "step" TEXT NOT NULL DEFAULT 'start',
    "subjectId" UUID,
    "input" JSONB NOT NULL DEFAULT '{}',
    "state" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "runAfter" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Operation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyKey" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "response" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "companyId" UUID,
    "actorKind" "ActorKind" NOT NULL,
    "actorId" TEXT,
    "operation" TEXT NOT NULL,
    "targetId" TEXT,
    "outcome" "AuditOutcome" NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "eventTypes" TEXT[],
    "secretEnc" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" UUID NOT NULL,
    "endpointId" UUID NOT NULL,
    "eventType" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "responseStatus" INTEGER,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMPTZ(3),

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Company_slug_key" ON "Company"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_tokenHash_key" ON "ApiKey"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiKey_companyId_createdAt_idx" ON "ApiKey"("companyId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OdooInstance_instanceId_key" ON "OdooInstance"("instanceId");

-- CreateIndex
CREATE INDEX "OdooInstance_companyId_status_idx" ON "OdooInstance"("companyId", "status");

-- CreateIndex
CREATE INDEX "OdooInstance_companyId_createdAt_idx" ON "OdooInstance"("companyId", "createdAt");

-- CreateIndex
CREATE INDEX "OdooInstance_secretsKeyId_idx" ON "OdooInstance"("secretsKeyId");

-- CreateIndex
CREATE UNIQUE INDEX "OdooInstance_companyId_name_key" ON "OdooInstance"("companyId", "name");

-- CreateIndex
CREATE INDEX "Backup_instanceId_createdAt_idx" ON "Backup"("instanceId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Backup_companyId_status_idx" ON "Backup"("companyId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Backup_instanceId_backupId_key" ON "Backup"("instanceId", "backupId");

-- CreateIndex
CREATE INDEX "Restore_targetInstanceId_createdAt_idx" ON "Restore"("targetInstanceId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "BackupPolicy_instanceId_key" ON "BackupPolicy"("instanceId");

-- CreateIndex
CREATE INDEX "BackupPolicy_companyId_idx" ON "BackupPolicy"("companyId");

-- CreateIndex
CREATE INDEX "Template_companyId_createdAt_idx" ON "Template"("companyId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Template_companyId_name_version_key" ON "Template"("companyId", "name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "TemplateFile_templateId_path_key" ON "TemplateFile"("templateId", "path");

-- CreateIndex
CREATE INDEX "Deployment_instanceId_createdAt_idx" ON "Deployment"("instanceId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Deployment_companyId_status_idx" ON "Deployment"("companyId", "status");

-- CreateIndex
CREATE INDEX "DeploymentStatusChange_deploymentId_at_idx" ON "DeploymentStatusChange"("deploymentId", "at");

-- CreateIndex
CREATE INDEX "HealthSample_instanceId_checkedAt_idx" ON "HealthSample"("instanceId", "checkedAt" DESC);

-- CreateIndex
CREATE INDEX "HealthSample_checkedAt_idx" ON "HealthSample"("checkedAt");

-- CreateIndex
CREATE INDEX "MetricSample_sampledAt_idx" ON "MetricSample"("sampledAt");

-- CreateIndex
CREATE UNIQUE INDEX "MetricSample_instanceId_sampledAt_key" ON "MetricSample"("instanceId", "sampledAt");

-- CreateIndex
CREATE INDEX "LogEntry_instanceId_timestamp_idx" ON "LogEntry"("instanceId", "timestamp" DESC);

-- CreateIndex
CREATE INDEX "LogEntry_instanceId_level_timestamp_idx" ON "LogEntry"("instanceId", "level", "timestamp" DESC);

-- CreateIndex
CREATE INDEX "LogEntry_timestamp_idx" ON "LogEntry"("timestamp");

-- CreateIndex
CREATE INDEX "InstancePollState_nextPollAt_idx" ON "InstancePollState"("nextPollAt");

-- CreateIndex
CREATE INDEX "Operation_status_runAfter_idx" ON "Operation"("status", "runAfter");

-- CreateIndex
CREATE INDEX "Operation_instanceId_status_idx" ON "Operation"("instanceId", "status");

-- CreateIndex
CREATE INDEX "Operation_subjectId_idx" ON "Operation"("subjectId");

-- CreateIndex
CREATE INDEX "IdempotencyKey_expiresAt_idx" ON "IdempotencyKey"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyKey_companyId_key_key" ON "IdempotencyKey"("companyId", "key");

-- CreateIndex
CREATE INDEX "AuditEvent_companyId_createdAt_idx" ON "AuditEvent"("companyId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "WebhookEndpoint_companyId_idx" ON "WebhookEndpoint"("companyId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_createdAt_idx" ON "WebhookDelivery"("endpointId", "createdAt");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OdooInstance" ADD CONSTRAINT "OdooInstance_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Backup" ADD CONSTRAINT "Backup_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Backup" ADD CONSTRAINT "Backup_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Restore" ADD CONSTRAINT "Restore_backupId_fkey" FOREIGN KEY ("backupId") REFERENCES "Backup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Restore" ADD CONSTRAINT "Restore_targetInstanceId_fkey" FOREIGN KEY ("targetInstanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupPolicy" ADD CONSTRAINT "BackupPolicy_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BackupPolicy" ADD CONSTRAINT "BackupPolicy_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Template" ADD CONSTRAINT "Template_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TemplateFile" ADD CONSTRAINT "TemplateFile_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "Template"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "Template"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_redeployOfId_fkey" FOREIGN KEY ("redeployOfId") REFERENCES "Deployment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_backupId_fkey" FOREIGN KEY ("backupId") REFERENCES "Backup"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentStatusChange" ADD CONSTRAINT "DeploymentStatusChange_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HealthSample" ADD CONSTRAINT "HealthSample_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MetricSample" ADD CONSTRAINT "MetricSample_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LogEntry" ADD CONSTRAINT "LogEntry_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstancePollState" ADD CONSTRAINT "InstancePollState_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Operation" ADD CONSTRAINT "Operation_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Operation" ADD CONSTRAINT "Operation_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "OdooInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdempotencyKey" ADD CONSTRAINT "IdempotencyKey_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
