-- AlterTable
ALTER TABLE "OdooInstance" ADD COLUMN     "odooApiKeyEnc" TEXT;
