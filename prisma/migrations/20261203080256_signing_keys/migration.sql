-- AlterTable
ALTER TABLE "User" ADD COLUMN "signingPublicKey" TEXT;
ALTER TABLE "User" ADD COLUMN "wrappedSigningSecretKey" TEXT;
