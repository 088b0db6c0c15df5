-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ChatMember" (
    "chatId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'member',
    "wrappedChatKey" TEXT,
    "sealedChatKey" TEXT,
    "joinedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpenedAt" DATETIME,
    "lastEditedAt" DATETIME,
    "pinned" BOOLEAN NOT NULL DEFAULT false,
    "draftCiphertext" TEXT,
    "draftVersion" INTEGER NOT NULL DEFAULT 0,
    "draftUpdatedByDevice" TEXT,
    "draftUpdatedAt" DATETIME,

    PRIMARY KEY ("chatId", "userId"),
    CONSTRAINT "ChatMember_chatId_fkey" FOREIGN KEY ("chatId") REFERENCES "Chat" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ChatMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ChatMember" ("chatId", "joinedAt", "lastEditedAt", "lastOpenedAt", "pinned", "role", "sealedChatKey", "userId", "wrappedChatKey") SELECT "chatId", "joinedAt", "lastEditedAt", "lastOpenedAt", "pinned", "role", "sealedChatKey", "userId", "wrappedChatKey" FROM "ChatMember";
DROP TABLE "ChatMember";
ALTER TABLE "new_ChatMember" RENAME TO "ChatMember";
CREATE INDEX "ChatMember_userId_lastOpenedAt_idx" ON "ChatMember"("userId", "lastOpenedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Draft_updatedAt_idx" ON "Draft"("updatedAt");
