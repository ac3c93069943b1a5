-- AlterTable
ALTER TABLE "FleetEventOutbox" ADD COLUMN     "instanceId" UUID;
