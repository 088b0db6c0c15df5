import fs from 'node:fs';
import path from 'node:path';
import { type AttachmentRef, encryptMessageBody, type MessageBody, signMessageBody } from '../../../common/content';
import {
  type AttachmentContext,
  attachmentCiphertextSize,
  type ChatKey,
  decodeAttachmentKey,
  encodeAttachmentKey,
  generateAttachmentKey,
  randomId,
} from '../../../common/crypto';
import type { ApiClient } from '../../../common/contract';
import { openBlobFile, sealFile } from '../../../desktop/src/core/attachments/blob-files';
import { downloadBlob, type TransferOptions, uploadBlob } from '../../../desktop/src/core/attachments/blob-transfer';
import type { PhoneSession } from '../../../mobile-pairing/src/core/account';

let seq = 0;

export interface SentAttachment {
  readonly messageId: string;
  readonly ref: AttachmentRef;
  readonly context: AttachmentContext;
  readonly blobPath: string;
}

/** Seals `filePath` into `workDir`, uploads it, and sends a signed message naming it (the client flow). */
export async function sendFileMessage(
  api: ApiClient,
  me: PhoneSession,
  transfer: Omit<TransferOptions, 'accessToken'>,
  chatId: string,
  chatKey: ChatKey,
  filePath: string,
  workDir: string,
  options: { name?: string; mime?: string; onUploaded?: () => void } = {},
): Promise<SentAttachment> {
  const messageId = randomId();
  const attachmentId = randomId();
  const key = generateAttachmentKey();
  const context = { chatId, messageId, attachmentId };
  const blobPath = path.join(workDir, `${attachmentId}.blob`);
  const sealed = await sealFile(filePath, blobPath, key, context);
  await uploadBlob({ ...transfer, accessToken: () => me.tokens.accessToken }, attachmentId, blobPath);
  options.onUploaded?.();
  const ref: AttachmentRef = {
    id: attachmentId,
    key: encodeAttachmentKey(key),
    size: sealed.plainBytes,
    mime: options.mime ?? 'application/octet-stream',
    name: options.name ?? path.basename(filePath),
    digest: sealed.digest,
  };
  const sentAt = Date.now();
  const body: MessageBody = signMessageBody(
    me.signing!,
    { chatId, messageId, senderUserId: me.userId },
    { text: '', senderName: me.username, sentAt, attachments: [ref] },
  );
  await api.call('sendMessage', {
    params: { chatId },
    body: {
      messageId,
      clientKey: `${sentAt}:${++seq}:att`,
      ciphertext: encryptMessageBody(chatKey, chatId, messageId, body),
      attachmentIds: [attachmentId],
    },
  });
  return { messageId, ref, context, blobPath };
}

/** Downloads and opens an attachment as a recipient would; returns the plaintext path. */
export async function receiveFile(
  transfer: TransferOptions,
  sent: Pick<SentAttachment, 'ref' | 'context'>,
  workDir: string,
): Promise<string> {
  const blobPath = path.join(workDir, `${sent.ref.id}.received`);
  await downloadBlob(transfer, sent.ref.id, blobPath, attachmentCiphertextSize(sent.ref.size));
  const out = path.join(workDir, `${sent.ref.id}.plain`);
  await openBlobFile(blobPath, out, decodeAttachmentKey(sent.ref.key), sent.context, sent.ref);
  return out;
}

export function writeFile(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}
