-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "expiresAt" TIMESTAMPTZ(3),
ADD COLUMN     "instanceIds" UUID[] DEFAULT ARRAY[]::UUID[];
