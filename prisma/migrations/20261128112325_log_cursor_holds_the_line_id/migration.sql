-- AlterTable
ALTER TABLE "InstancePollState" ADD COLUMN     "lastLogId" TEXT;
