-- AlterTable
ALTER TABLE "Device" ADD COLUMN "revokedReason" TEXT;

-- CreateIndex
CREATE INDEX "Device_lastSeenAt_idx" ON "Device"("lastSeenAt");
