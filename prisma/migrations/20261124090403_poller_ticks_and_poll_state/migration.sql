-- AlterTable
ALTER TABLE "InstancePollState" ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "lastHealthChecks" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "lastMetricAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastPolledBy" TEXT;

-- CreateTable
CREATE TABLE "PollerTick" (
    "id" UUID NOT NULL,
    "owner" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "instancesPolled" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL,
    "prunedSamples" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "PollerTick_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PollerTick_startedAt_idx" ON "PollerTick"("startedAt" DESC);

-- CreateIndex
CREATE INDEX "PollerTick_owner_startedAt_idx" ON "PollerTick"("owner", "startedAt" DESC);
