-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "replayOfId" UUID;
