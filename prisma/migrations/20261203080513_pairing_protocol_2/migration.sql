/*
  Warnings:

  - You are about to drop the column `checkAttempts` on the `PairingSession` table. All the data in the column will be lost.

*/
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_PairingSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "pollTokenHash" TEXT NOT NULL,
    "pairingCode" TEXT NOT NULL,
    "desktopPublicKey" TEXT NOT NULL,
    "pakeSid" TEXT,
    "pakeShare" TEXT,
    "deviceName" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "approvedAt" DATETIME,
    "approvedByUserId" TEXT,
    "handoverMethod" TEXT,
    "phoneShare" TEXT,
    "sealedBundle" TEXT,
    "desktopDeviceId" TEXT,
    "consumedAt" DATETIME,
    CONSTRAINT "PairingSession_approvedByUserId_fkey" FOREIGN KEY ("approvedByUserId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_PairingSession" ("approvedAt", "approvedByUserId", "consumedAt", "createdAt", "desktopDeviceId", "desktopPublicKey", "deviceName", "expiresAt", "id", "pairingCode", "platform", "pollTokenHash", "sealedBundle", "status") SELECT "approvedAt", "approvedByUserId", "consumedAt", "createdAt", "desktopDeviceId", "desktopPublicKey", "deviceName", "expiresAt", "id", "pairingCode", "platform", "pollTokenHash", "sealedBundle", "status" FROM "PairingSession";
DROP TABLE "PairingSession";
ALTER TABLE "new_PairingSession" RENAME TO "PairingSession";
CREATE UNIQUE INDEX "PairingSession_pairingCode_key" ON "PairingSession"("pairingCode");
CREATE INDEX "PairingSession_expiresAt_idx" ON "PairingSession"("expiresAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Pairing protocol 2: a session a protocol-1 desktop opened can't be finished by a protocol-2 client.
-- Pending and approved ones expire now (their desktop shows a new QR), and a v1 bundle is erased.
UPDATE "PairingSession" SET "expiresAt" = "createdAt", "sealedBundle" = NULL WHERE "status" IN ('pending', 'approved');
