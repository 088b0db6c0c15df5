import { IpcError, type IpcHandlers } from '../../../common/contract';
import type { AppService } from './app-service';

type ReceiptHandlers = Pick<IpcHandlers, 'getMessageReceipts'>;

/** "Read by 2 of 4" on demand: who delivered / read one of my messages, from the local store. */
export function receiptHandlers(app: AppService, requireChat: (chatId: string) => unknown): ReceiptHandlers {
  return {
    getMessageReceipts: async ({ chatId, messageId }) => {
      requireChat(chatId);
      const recipients = await app.linked().core.reader.receiptDetails(chatId, messageId);
      if (!recipients) throw new IpcError('not_found', 'Receipts are shown only for your own messages.');
      return { recipients };
    },
  };
}
