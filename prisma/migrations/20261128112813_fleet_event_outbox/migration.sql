-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "eventId" UUID;

-- CreateTable
CREATE TABLE "FleetEventOutbox" (
    "id" UUID NOT NULL,
    "companyId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "subjectId" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "relayedAt" TIMESTAMPTZ(3),

    CONSTRAINT "FleetEventOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FleetEventOutbox_relayedAt_occurredAt_idx" ON "FleetEventOutbox"("relayedAt", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_endpointId_eventId_key" ON "WebhookDelivery"("endpointId", "eventId");
