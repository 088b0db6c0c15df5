-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "syncedAt" TIMESTAMP(3),
ADD COLUMN     "syncedPosition" TEXT;

-- CreateIndex
CREATE INDEX "ChangeLog_createdAt_idx" ON "ChangeLog"("createdAt");
