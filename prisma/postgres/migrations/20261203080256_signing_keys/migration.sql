-- AlterTable
ALTER TABLE "User" ADD COLUMN     "signingPublicKey" TEXT,
ADD COLUMN     "wrappedSigningSecretKey" TEXT;
