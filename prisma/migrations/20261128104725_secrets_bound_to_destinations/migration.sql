-- AlterTable
ALTER TABLE "OdooInstance" ADD COLUMN     "credentialsAwaiting" TEXT[] DEFAULT ARRAY[]::TEXT[];
