-- CreateIndex
CREATE INDEX "Message_chatId_size_idx" ON "Message"("chatId", "size");
