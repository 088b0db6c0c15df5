-- AlterTable
ALTER TABLE "ChatMember" ADD COLUMN     "draftCiphertext" TEXT,
ADD COLUMN     "draftUpdatedAt" TIMESTAMP(3),
ADD COLUMN     "draftUpdatedByDevice" TEXT,
ADD COLUMN     "draftVersion" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Draft_updatedAt_idx" ON "Draft"("updatedAt");
