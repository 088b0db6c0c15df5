/*
  Warnings:

  - You are about to drop the column `checkAttempts` on the `PairingSession` table. All the data in the column will be lost.

*/
-- AlterTable
ALTER TABLE "PairingSession" DROP COLUMN "checkAttempts",
ADD COLUMN     "handoverMethod" TEXT,
ADD COLUMN     "pakeShare" TEXT,
ADD COLUMN     "pakeSid" TEXT,
ADD COLUMN     "phoneShare" TEXT;

-- Pairing protocol 2: a session a protocol-1 desktop opened can't be finished by a protocol-2 client.
-- Pending and approved ones expire now (their desktop shows a new QR), and a v1 bundle is erased.
UPDATE "PairingSession" SET "expiresAt" = "createdAt", "sealedBundle" = NULL WHERE "status" IN ('pending', 'approved');
