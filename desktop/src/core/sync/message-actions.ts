import { ApiError, type MessageEditRecord } from '../../../../common/contract';
import { encryptMessageEdit, quoteExcerpt, type ReplyQuote, signMessageEdit } from '../../../../common/content';
import type { SigningKeyPair } from '../../../../common/crypto';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import type { ChatReader } from '../view/chat-reader';

/** A refused action, with the sentence the UI shows. */
export class MessageActionError extends Error {
  constructor(
    readonly code: 'not_found' | 'not_author' | 'deleted' | 'refused' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'MessageActionError';
  }
}

/**
 * The desktop's message actions (docs/MESSAGES.md): the quote a reply carries, edit, delete for everyone,
 * delete for me. Each goes to the server first (they need it: an edit's version and a delete are decided
 * there) and is applied here once accepted, so this device shows the same as the others at once; the
 * server's live event that follows changes nothing more (every apply is idempotent).
 */
export class MessageActions {
  constructor(
    private readonly session: DeviceSession,
    private readonly store: LocalStore,
    private readonly keyring: ChatKeyring,
    private readonly reader: ChatReader,
    private readonly signingKey: () => Promise<SigningKeyPair | null>,
  ) {}

  /** The quote for answering this message: its id, author and (shown) text. */
  quote(chatId: string, messageId: string): ReplyQuote {
    const shown = this.reader.message(chatId, messageId);
    if (!shown || shown.deleted) throw new MessageActionError('not_found', 'That message is not here any more.');
    return { messageId, senderUserId: shown.senderUserId, text: quoteExcerpt(shown.text) };
  }

  async edit(chatId: string, messageId: string, text: string): Promise<MessageEditRecord> {
    const chat = this.store.getChat(chatId);
    const row = chat ? this.store.getMessage(chatId, messageId) : null;
    if (!chat || !row) throw new MessageActionError('not_found', 'That message is not here any more.');
    if (row.sender_user_id !== this.session.userId)
      throw new MessageActionError('not_author', 'Only the author of a message can edit it.');
    if (row.deleted_at !== null) throw new MessageActionError('deleted', 'That message was deleted.');
    if (row.status === 'queued') throw new MessageActionError('refused', 'Wait until the message is sent to edit it.');
    // Under the key of the message's own version: whoever can read the message can read its edits.
    const key = this.keyring.keyFor(chat, row.key_version);
    const signing = await this.signingKey();
    if (!key || !signing) throw new MessageActionError('unavailable', 'This device cannot sign an edit yet.');
    const current = row.edit === null ? 0 : (JSON.parse(row.edit) as MessageEditRecord).version;
    const version = current + 1;
    const origin = { chatId, messageId, senderUserId: this.session.userId };
    const body = signMessageEdit(signing, origin, version, { text, editedAt: Date.now() });
    const edit = await this.call(() =>
      this.session.call('editMessage', {
        params: { chatId, messageId },
        body: { version, ciphertext: encryptMessageEdit(key, chatId, messageId, version, body) },
      }),
    );
    this.store.transaction(() => this.store.putMessageEdit(chatId, messageId, edit));
    return edit;
  }

  async deleteForEveryone(chatId: string, messageId: string): Promise<void> {
    const row = this.store.getMessage(chatId, messageId);
    if (!row) throw new MessageActionError('not_found', 'That message is not here any more.');
    if (row.sender_user_id !== this.session.userId)
      throw new MessageActionError('not_author', 'Only the author of a message can delete it for everyone.');
    if (row.deleted_at !== null) throw new MessageActionError('deleted', 'That message was deleted already.');
    const { deletedAt } = await this.call(() => this.session.call('deleteMessage', { params: { chatId, messageId } }));
    this.store.transaction(() => this.store.deleteMessageContent(chatId, messageId, deletedAt));
  }

  async deleteForMe(chatId: string, messageId: string): Promise<void> {
    if (!this.store.getMessage(chatId, messageId))
      throw new MessageActionError('not_found', 'That message is not here any more.');
    await this.call(() => this.session.call('hideMessage', { params: { chatId, messageId } }));
    this.store.transaction(() => this.store.removeMessage(chatId, messageId));
  }

  /** The server's refusal as a sentence; no answer at all as "needs the server". */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500)
        throw new MessageActionError('refused', error.message);
      throw new MessageActionError('unavailable', 'This needs the server; try again when online.');
    }
  }
}
