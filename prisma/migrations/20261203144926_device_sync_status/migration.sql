-- AlterTable
ALTER TABLE "Device" ADD COLUMN "syncedAt" DATETIME;
ALTER TABLE "Device" ADD COLUMN "syncedPosition" TEXT;

-- CreateIndex
CREATE INDEX "ChangeLog_createdAt_idx" ON "ChangeLog"("createdAt");
