-- AlterTable
ALTER TABLE "InstancePollState" ADD COLUMN     "lastHealthSampleAt" TIMESTAMPTZ(3);
