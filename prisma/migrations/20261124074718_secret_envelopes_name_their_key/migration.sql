-- DropIndex
DROP INDEX "OdooInstance_secretsKeyId_idx";

-- AlterTable
ALTER TABLE "OdooInstance" DROP COLUMN "secretsKeyId";
