-- CreateTable
CREATE TABLE "ContactBook" (
    "userId" TEXT NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "updatedByDeviceId" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContactBook_pkey" PRIMARY KEY ("userId")
);

-- AddForeignKey
ALTER TABLE "ContactBook" ADD CONSTRAINT "ContactBook_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
