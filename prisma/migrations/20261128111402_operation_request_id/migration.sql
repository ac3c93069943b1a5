-- AlterTable
ALTER TABLE "Operation" ADD COLUMN     "requestId" TEXT;
