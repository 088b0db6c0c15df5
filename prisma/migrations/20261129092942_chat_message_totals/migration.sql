-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Chat" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdByUserId" TEXT NOT NULL,
    "encryptedMeta" TEXT NOT NULL,
    "metaVersion" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "messageBytes" BIGINT NOT NULL DEFAULT 0
);
-- Backfill (hand-written): the totals of the messages stored so far (from here on the send transaction keeps them)
INSERT INTO "new_Chat" ("createdAt", "createdByUserId", "encryptedMeta", "id", "metaVersion", "updatedAt", "messageCount", "messageBytes")
SELECT "createdAt", "createdByUserId", "encryptedMeta", "id", "metaVersion", "updatedAt",
       (SELECT COUNT(*) FROM "Message" WHERE "Message"."chatId" = "Chat"."id"),
       (SELECT COALESCE(SUM("size"), 0) FROM "Message" WHERE "Message"."chatId" = "Chat"."id")
FROM "Chat";
DROP TABLE "Chat";
ALTER TABLE "new_Chat" RENAME TO "Chat";
CREATE INDEX "Chat_updatedAt_idx" ON "Chat"("updatedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- DropIndex (after the backfill, which reads it: the manifest no longer does)
DROP INDEX "Message_chatId_size_idx";
