-- AlterTable
ALTER TABLE "BackupPolicy" ADD COLUMN     "enabled" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "Restore" ADD COLUMN     "companyId" UUID NOT NULL;

-- CreateIndex
CREATE INDEX "Restore_companyId_idx" ON "Restore"("companyId");

-- AddForeignKey
ALTER TABLE "Restore" ADD CONSTRAINT "Restore_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;
