import type { ApiClient, MessageEditRecord, MessageRecord } from '../../../common/contract';
import { encryptMessageEdit, quoteExcerpt, type ReplyQuote, signMessageEdit } from '../../../common/content';
import type { ChatKey } from '../../../common/crypto';
import type { PhoneSession } from './account';

/**
 * Message actions from the phone (docs/MESSAGES.md): reply (the quote goes with `sendTextWithKeys`, which
 * seals under the chat's current key version), edit, delete for everyone, delete for me. The server checks
 * that only the author edits or deletes; recipients check each edit's signature.
 */

/** The quote a reply carries, made from the message being answered (its text as this user sees it). */
export function quoteOf(message: Pick<MessageRecord, 'messageId' | 'senderUserId'>, text: string): ReplyQuote {
  return { messageId: message.messageId, senderUserId: message.senderUserId, text: quoteExcerpt(text) };
}

export class SigningKeyMissingError extends Error {
  constructor() {
    super('this account has no signing key yet: an edit must be signed');
    this.name = 'SigningKeyMissingError';
  }
}

/** `currentVersion`: the message's latest edit version (0 when never edited); this sends the next one. */
export async function editText(
  client: ApiClient,
  me: PhoneSession,
  message: Pick<MessageRecord, 'chatId' | 'messageId'>,
  chatKey: ChatKey,
  currentVersion: number,
  text: string,
): Promise<MessageEditRecord> {
  if (!me.signing) throw new SigningKeyMissingError();
  const version = currentVersion + 1;
  const origin = { chatId: message.chatId, messageId: message.messageId, senderUserId: me.userId };
  const body = signMessageEdit(me.signing, origin, version, { text, editedAt: Date.now() });
  return client.call('editMessage', {
    params: { chatId: message.chatId, messageId: message.messageId },
    body: { version, ciphertext: encryptMessageEdit(chatKey, message.chatId, message.messageId, version, body) },
  });
}

export function deleteForEveryone(client: ApiClient, message: Pick<MessageRecord, 'chatId' | 'messageId'>) {
  return client.call('deleteMessage', { params: { chatId: message.chatId, messageId: message.messageId } });
}

export function deleteForMe(client: ApiClient, message: Pick<MessageRecord, 'chatId' | 'messageId'>) {
  return client.call('hideMessage', { params: { chatId: message.chatId, messageId: message.messageId } });
}
