-- CreateTable
CREATE TABLE "SpentRefreshToken" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "spentAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SpentRefreshToken_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SpentRefreshToken_sessionId_idx" ON "SpentRefreshToken"("sessionId");

-- CreateIndex
CREATE INDEX "SpentRefreshToken_expiresAt_idx" ON "SpentRefreshToken"("expiresAt");
