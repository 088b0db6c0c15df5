import { z } from 'zod';
import { type ChatKey, decryptJson, type Envelope, encryptJson, keyVersionPart, type MasterKey } from '../crypto';

/**
 * The plaintext that lives inside envelopes — the contract between clients that the server never reads.
 * Decrypted values are validated like any other input: a peer's client can be buggy or hostile.
 */
export const ChatMeta = z.object({
  title: z.string().max(200),
  summary: z.string().max(2000).optional(),
  tags: z.array(z.string().max(50)).max(20).optional(),
  /**
   * Set by every client that signs membership changes (docs/GROUPS.md): this chat's membership is proven
   * by signed statements from version 1 on, so a chain without its founding statement is refused. Inside
   * the envelope, the server can't clear it to pass a chat off as one from before signed membership.
   */
  signedMembership: z.literal(true).optional(),
});
export type ChatMeta = z.infer<typeof ChatMeta>;

import { MessageBody } from './message-body';

export { MessageBody, ReplyQuote, quoteExcerpt } from './message-body';
export { THUMBNAIL_TYPES, thumbnailProblem } from './thumbnail-check';
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

// keyVersion: the chat key version the envelope is written under (docs/GROUPS.md); 1 for chats that never
// changed members, whose envelopes keep the additional data they always had.
export function encryptChatMeta(key: ChatKey, chatId: string, meta: ChatMeta, keyVersion = 1): Envelope {
  return encryptJson(key, ChatMeta.parse(meta), { kind: 'chat-meta', chatId, ...keyVersionPart(keyVersion) });
}
export function decryptChatMeta(key: ChatKey, chatId: string, envelope: string, keyVersion = 1): ChatMeta {
  return ChatMeta.parse(decryptJson(key, envelope, { kind: 'chat-meta', chatId, ...keyVersionPart(keyVersion) }));
}

export function encryptMessageBody(
  key: ChatKey,
  chatId: string,
  messageId: string,
  body: MessageBody,
  keyVersion = 1,
): Envelope {
  return encryptJson(key, MessageBody.parse(body), {
    kind: 'message-body',
    chatId,
    messageId,
    ...keyVersionPart(keyVersion),
  });
}
export function decryptMessageBody(
  key: ChatKey,
  chatId: string,
  messageId: string,
  envelope: string,
  keyVersion = 1,
): MessageBody {
  return MessageBody.parse(
    decryptJson(key, envelope, { kind: 'message-body', chatId, messageId, ...keyVersionPart(keyVersion) }),
  );
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
export {
  advancedReadThrough,
  ChatPref,
  ChatPrefs,
  chatPrefOf,
  comparePositions,
  deletedForMe,
  hiddenByChatDelete,
  readOnAnotherDevice,
  type ReadPosition,
  withChatPref,
} from './chat-prefs';
export { type EditView, readEdit } from './message-view';
