-- AlterTable
ALTER TABLE "MetricSample" ADD COLUMN     "cronsFailing" INTEGER,
ADD COLUMN     "cronsOverdue" INTEGER,
ADD COLUMN     "installedModules" INTEGER,
ADD COLUMN     "mailFailed" INTEGER,
ADD COLUMN     "mailQueued" INTEGER,
ADD COLUMN     "rpcRoundTripMs" INTEGER;
