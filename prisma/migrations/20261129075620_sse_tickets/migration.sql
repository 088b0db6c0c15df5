-- CreateTable
CREATE TABLE "SseTicket" (
    "ticketHash" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SseTicket_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SseTicket_sessionId_idx" ON "SseTicket"("sessionId");

-- CreateIndex
CREATE INDEX "SseTicket_expiresAt_idx" ON "SseTicket"("expiresAt");
