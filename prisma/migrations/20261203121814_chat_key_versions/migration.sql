-- CreateTable
CREATE TABLE "ChatEpoch" (
    "chatId" TEXT NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "actorUserId" TEXT NOT NULL,
    "statement" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("chatId", "keyVersion"),
    CONSTRAINT "ChatEpoch_chatId_fkey" FOREIGN KEY ("chatId") REFERENCES "Chat" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ChatKeyCopy" (
    "chatId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "wrappedChatKey" TEXT,
    "sealedChatKey" TEXT,

    PRIMARY KEY ("chatId", "userId", "keyVersion"),
    CONSTRAINT "ChatKeyCopy_chatId_fkey" FOREIGN KEY ("chatId") REFERENCES "Chat" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (hand-written: columns with constant defaults added in place, instead of the engine's
-- "RedefineTables", which would copy the Chat and Message tables row by row)
ALTER TABLE "Chat" ADD COLUMN "keyVersion" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "Chat" ADD COLUMN "rotationDue" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Message" ADD COLUMN "keyVersion" INTEGER NOT NULL DEFAULT 1;

-- CreateIndex
CREATE INDEX "ChatKeyCopy_userId_idx" ON "ChatKeyCopy"("userId");

-- Backfill (hand-written): every member's copy of a chat key made before key versions is version 1.
INSERT INTO "ChatKeyCopy" ("chatId", "userId", "keyVersion", "wrappedChatKey", "sealedChatKey")
SELECT "chatId", "userId", 1, "wrappedChatKey", "sealedChatKey" FROM "ChatMember";
