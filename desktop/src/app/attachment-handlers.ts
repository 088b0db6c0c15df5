import { IpcError, type IpcHandlers } from '../../../common/contract';
import { AttachmentError } from '../core/attachments/attachment-cache';
import { AttachmentSendError, type FinishedFile } from '../core/attachments/desktop-attachments';
import { ATTACHMENT_PIECE_BYTES } from '../../../common/contract';
import type { AppService } from './app-service';
import { attachmentStateView } from './attachment-views';
import { sendingPausedMessage } from './trust-handlers';

type AttachmentHandlers = Pick<
  IpcHandlers,
  | 'beginAttachment'
  | 'appendAttachment'
  | 'finishAttachment'
  | 'finishAttachments'
  | 'cancelAttachment'
  | 'cancelFileSend'
  | 'attachmentState'
  | 'downloadAttachment'
  | 'openAttachment'
  | 'readAttachment'
  | 'closeAttachment'
  | 'saveAttachment'
  | 'setAutoDownload'
>;

/** The attachment's own sentence for the UI ("damaged", "unavailable", a refused file). */
function asIpcError(error: unknown): IpcError {
  if (error instanceof IpcError) return error;
  if (error instanceof AttachmentSendError)
    return new IpcError(
      error.code === 'invalid' ? 'invalid_request' : error.code === 'not_found' ? 'not_found' : 'failed',
      error.message,
    );
  if (error instanceof AttachmentError)
    return new IpcError(
      error.problem === 'damaged' ? 'failed' : 'unavailable',
      error.problem === 'damaged'
        ? 'This file is damaged: it is not the file its sender sent (it was changed or cut short).'
        : 'This file could not be fetched from the server.',
    );
  return new IpcError('failed', (error as Error).message);
}

async function guard<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw asIpcError(error);
  }
}

/** Files (docs/ATTACHMENTS.md): sending in pieces, state, fetching, reading back, saving. */
export function attachmentHandlers(app: AppService, requireChat: (chatId: string) => unknown): AttachmentHandlers {
  const attachments = () => app.linked().core.attachments;
  /** Queues the message (it shows at once, waiting or uploading), then answers after the first attempt. */
  const finish = (files: readonly FinishedFile[], text: string) =>
    guard(async () => {
      const queued = attachments().finishSend(files, text, (chatId, messageId) => {
        app.linked().feeder.addMessages(chatId, [messageId]);
        app.messagesChanged(chatId, [messageId]);
        app.chatsChanged([chatId]);
      });
      const result = await queued;
      app.messagesChanged(result.chatId, [result.messageId]);
      return { messageId: result.messageId, queued: result.queued, failed: result.failed };
    });
  return {
    beginAttachment: ({ chatId, name, mime, size, messageId }) =>
      guard(() => {
        requireChat(chatId);
        const paused = sendingPausedMessage(app.linked().core.contacts, chatId);
        if (paused) throw new IpcError('wrong_state', paused);
        return attachments().beginSend({ chatId, name, mime, size }, messageId);
      }),
    appendAttachment: ({ uploadId, offset, data }) =>
      guard(() => {
        const bytes = Buffer.from(data, 'base64');
        if (bytes.length > ATTACHMENT_PIECE_BYTES)
          throw new IpcError('invalid_request', `pieces are at most ${ATTACHMENT_PIECE_BYTES} bytes`);
        return { received: attachments().appendSend(uploadId, offset, bytes) };
      }),
    finishAttachment: ({ uploadId, text, image }) => finish([{ uploadId, image }], text),
    finishAttachments: ({ text, files }) => finish(files, text),
    cancelAttachment: ({ uploadId }) => {
      attachments().cancelSend(uploadId);
      return { ok: true };
    },
    cancelFileSend: ({ chatId, messageId }) =>
      guard(async () => {
        requireChat(chatId);
        const cancelled = await attachments().outbox.cancel(messageId);
        if (cancelled) {
          app.messagesChanged(chatId, [messageId]);
          app.chatsChanged([chatId]);
        }
        return { cancelled };
      }),
    attachmentState: ({ chatId, messageId, attachmentId }) => {
      if (!attachments().find(chatId, messageId, attachmentId))
        throw new IpcError('not_found', 'This file is not on this desktop.');
      return attachmentStateView(attachments().state(attachmentId));
    },
    downloadAttachment: ({ chatId, messageId, attachmentId }) =>
      guard(async () => {
        await attachments().download(chatId, messageId, attachmentId);
        return attachmentStateView(attachments().state(attachmentId));
      }),
    openAttachment: ({ chatId, messageId, attachmentId }) =>
      guard(async () => {
        const { readerId, ref } = await attachments().openReader(chatId, messageId, attachmentId);
        return { readerId, name: ref.name, mime: ref.mime, size: ref.size };
      }),
    readAttachment: ({ readerId }) =>
      guard(async () => {
        const piece = await attachments().read(readerId, ATTACHMENT_PIECE_BYTES);
        return { data: Buffer.from(piece.bytes).toString('base64'), done: piece.done };
      }),
    closeAttachment: async ({ readerId }) => {
      await attachments().closeReader(readerId);
      return { ok: true };
    },
    saveAttachment: ({ chatId, messageId, attachmentId }) =>
      guard(async () => {
        const choose = app.options.chooseSavePath;
        if (!choose) throw new IpcError('unavailable', 'Saving through a dialog is for the desktop app only.');
        const found = attachments().find(chatId, messageId, attachmentId);
        if (!found) throw new IpcError('not_found', 'This file is not on this desktop.');
        const destination = await choose(found.ref.name);
        if (!destination) return { saved: false };
        await attachments().saveTo(chatId, messageId, attachmentId, destination);
        return { saved: true };
      }),
    setAutoDownload: ({ maxBytes }) => {
      attachments().setAutoDownloadBytes(maxBytes);
      return { ok: true };
    },
  };
}
