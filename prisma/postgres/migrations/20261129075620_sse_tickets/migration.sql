-- CreateTable
CREATE TABLE "SseTicket" (
    "ticketHash" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SseTicket_pkey" PRIMARY KEY ("ticketHash")
);

-- CreateIndex
CREATE INDEX "SseTicket_sessionId_idx" ON "SseTicket"("sessionId");

-- CreateIndex
CREATE INDEX "SseTicket_expiresAt_idx" ON "SseTicket"("expiresAt");

-- AddForeignKey
ALTER TABLE "SseTicket" ADD CONSTRAINT "SseTicket_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
