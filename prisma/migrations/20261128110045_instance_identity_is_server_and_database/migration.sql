-- DropIndex
DROP INDEX "OdooInstance_instanceId_key";

-- AlterTable
ALTER TABLE "OdooInstance" ADD COLUMN     "providerScope" TEXT NOT NULL DEFAULT 'odoo.sh';

-- Self-hosted instances are known by their server and database
UPDATE "OdooInstance" SET "providerScope" = rtrim("serverUrl", '/') WHERE "deploymentMethod" = 'SELF_HOSTED' AND "serverUrl" IS NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "OdooInstance_providerScope_instanceId_key" ON "OdooInstance"("providerScope", "instanceId");
