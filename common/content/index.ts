import { z } from 'zod';
import { type ChatKey, decryptJson, type Envelope, encryptJson, type MasterKey } from '../crypto';

/**
 * The plaintext that lives inside envelopes — the contract between clients that the server never reads.
 * Decrypted values are validated like any other input: a peer's client can be buggy or hostile.
 */
export const ChatMeta = z.object({
  title: z.string().max(200),
  summary: z.string().max(2000).optional(),
  tags: z.array(z.string().max(50)).max(20).optional(),
});
export type ChatMeta = z.infer<typeof ChatMeta>;

import { MessageBody } from './message-body';

export { MessageBody, ReplyQuote, quoteExcerpt } from './message-body';
export {
  MessageEditBody,
  checkMessageEdit,
  decryptMessageEdit,
  encryptMessageEdit,
  messageEditSignatureInput,
  signMessageEdit,
} from './message-edit';
export {
  AttachmentRef,
  AttachmentRefs,
  MAX_ATTACHMENTS_PER_MESSAGE,
  MAX_THUMBNAIL_BYTES,
  attachmentSignatureParts,
  messageSearchText,
} from './attachment-ref';

export const DraftBody = z.object({ text: z.string() });
export type DraftBody = z.infer<typeof DraftBody>;

export function encryptChatMeta(key: ChatKey, chatId: string, meta: ChatMeta): Envelope {
  return encryptJson(key, ChatMeta.parse(meta), { kind: 'chat-meta', chatId });
}
export function decryptChatMeta(key: ChatKey, chatId: string, envelope: string): ChatMeta {
  return ChatMeta.parse(decryptJson(key, envelope, { kind: 'chat-meta', chatId }));
}

export function encryptMessageBody(key: ChatKey, chatId: string, messageId: string, body: MessageBody): Envelope {
  return encryptJson(key, MessageBody.parse(body), { kind: 'message-body', chatId, messageId });
}
export function decryptMessageBody(key: ChatKey, chatId: string, messageId: string, envelope: string): MessageBody {
  return MessageBody.parse(decryptJson(key, envelope, { kind: 'message-body', chatId, messageId }));
}

export function encryptDraft(key: MasterKey, userId: string, chatId: string, draft: DraftBody): Envelope {
  return encryptJson(key, DraftBody.parse(draft), { kind: 'draft', userId, chatId });
}
export function decryptDraft(key: MasterKey, userId: string, chatId: string, envelope: string): DraftBody {
  return DraftBody.parse(decryptJson(key, envelope, { kind: 'draft', userId, chatId }));
}

export {
  type MessageOrigin,
  type SenderVerification,
  type UnsignedMessageBody,
  SIGNING_INTRODUCED_AT,
  checkMessageSignature,
  isLegacyUnsigned,
  messageSignatureInput,
  signMessageBody,
} from './message-signature';
export { UserSettings, encryptUserSettings, decryptUserSettings } from './settings';
export { type EditView, readEdit } from './message-view';
