-- AlterTable
ALTER TABLE "Chat" ADD COLUMN     "keyVersion" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "rotationDue" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "keyVersion" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "ChatEpoch" (
    "chatId" TEXT NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "actorUserId" TEXT NOT NULL,
    "statement" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatEpoch_pkey" PRIMARY KEY ("chatId","keyVersion")
);

-- CreateTable
CREATE TABLE "ChatKeyCopy" (
    "chatId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "wrappedChatKey" TEXT,
    "sealedChatKey" TEXT,

    CONSTRAINT "ChatKeyCopy_pkey" PRIMARY KEY ("chatId","userId","keyVersion")
);

-- CreateIndex
CREATE INDEX "ChatKeyCopy_userId_idx" ON "ChatKeyCopy"("userId");

-- AddForeignKey
ALTER TABLE "ChatEpoch" ADD CONSTRAINT "ChatEpoch_chatId_fkey" FOREIGN KEY ("chatId") REFERENCES "Chat"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatKeyCopy" ADD CONSTRAINT "ChatKeyCopy_chatId_fkey" FOREIGN KEY ("chatId") REFERENCES "Chat"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill (hand-written): every member's copy of a chat key made before key versions is version 1.
INSERT INTO "ChatKeyCopy" ("chatId", "userId", "keyVersion", "wrappedChatKey", "sealedChatKey")
SELECT "chatId", "userId", 1, "wrappedChatKey", "sealedChatKey" FROM "ChatMember";
