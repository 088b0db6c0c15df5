-- CreateTable
CREATE TABLE "SpentRefreshToken" (
    "tokenHash" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "spentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SpentRefreshToken_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE INDEX "SpentRefreshToken_sessionId_idx" ON "SpentRefreshToken"("sessionId");

-- CreateIndex
CREATE INDEX "SpentRefreshToken_expiresAt_idx" ON "SpentRefreshToken"("expiresAt");

-- AddForeignKey
ALTER TABLE "SpentRefreshToken" ADD CONSTRAINT "SpentRefreshToken_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
