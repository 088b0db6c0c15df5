import { readFileSync, existsSync } from 'node:fs';
import { initCrypto, randomId } from '../../../../common/crypto';
import {
  type TestAccount,
  testAccount,
  type TestChat,
  testChat,
  testMessage,
} from '../../../test/support/sync-fixtures';
import { LocalStore } from './local-store';
import { closeTestStore, openTestStore } from '../../../test/support/test-store';

/**
 * Delete chat for me in the store (docs/MESSAGES.md): the rows up to the deletion go, their bytes with them
 * (file and WAL), queued sends and later messages stay, and a deleted message is never stored again.
 */
describe('ChatPurge', () => {
  let dir: string;
  let store: LocalStore;
  let me: TestAccount;
  let bob: TestAccount;
  let chat: TestChat;
  let other: TestChat;

  const bytesOnDisk = () =>
    ['', '-wal']
      .map((suffix) => store.file + suffix)
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString('latin1'))
      .join('');
  const aeadPart = (envelope: string) => envelope.split('.')[2]!.slice(0, 40);

  beforeAll(initCrypto);
  beforeEach(() => {
    ({ dir, store, me } = openTestStore('symc-purge-'));
    bob = testAccount(() => null);
    chat = testChat(me, { title: 'Deleted' });
    other = testChat(me, { title: 'Kept' });
    store.upsertChats([chat.summary, other.summary]);
  });
  afterEach(() => closeTestStore({ dir, store }));

  it('removes the rows up to the deletion and their bytes; later, queued and other chats’ rows stay', () => {
    const old = [1, 2, 3].map((i) => testMessage(bob, chat, `old ${i} `.repeat(50)));
    const kept = testMessage(bob, other, 'in the other chat');
    store.transaction(() => store.putMessages([...old, kept]));
    const deletedAt = Date.parse(old[2]!.createdAt);
    const after = testMessage(bob, chat, 'after the deletion');
    store.transaction(() => store.putMessages([after]));
    const queued = { ...testMessage(me, chat, 'queued', { createdAt: old[0]!.createdAt }), messageId: randomId() };
    store.putQueuedMessage(queued);
    store.enqueueOutbox({
      message_id: queued.messageId,
      chat_id: chat.summary.chatId,
      client_key: queued.clientKey,
      ciphertext: queued.ciphertext,
      created_at: queued.createdAt,
    });
    const bytesBefore = store.getChat(chat.summary.chatId)!.bytes;
    expect(old.every((m) => bytesOnDisk().includes(aeadPart(m.ciphertext)))).toBe(true);

    const removed = store.purge.purgeThrough(chat.summary.chatId, deletedAt);

    expect(removed.sort()).toEqual(old.map((m) => m.messageId).sort());
    expect(
      store
        .listMessages(chat.summary.chatId, 10)
        .map((m) => m.id)
        .sort(),
    ).toEqual([after.messageId, queued.messageId].sort());
    expect(store.listMessages(other.summary.chatId, 10)).toHaveLength(1);
    const removedBytes = old.reduce((sum, m) => sum + m.ciphertext.length, 0);
    expect(store.getChat(chat.summary.chatId)!.bytes).toBe(bytesBefore - removedBytes);
    // Zeroed where they were, and the WAL that held them as inserted is gone.
    const disk = bytesOnDisk();
    expect(old.filter((m) => disk.includes(aeadPart(m.ciphertext)))).toEqual([]);
    expect(disk.includes(aeadPart(after.ciphertext))).toBe(true);
    expect(store.problems()).toEqual([]);
  });

  it('never stores a message of a deleted chat from up to the deletion again; later ones go in', () => {
    const old = testMessage(bob, chat, 'old');
    const later = testMessage(bob, chat, 'later');
    store.purge.setDeleted(new Map([[chat.summary.chatId, Date.parse(old.createdAt)]]));
    const inserted = store.transaction(() => store.putMessages([old, later, testMessage(bob, other, 'other')]));
    expect(inserted.map((m) => m.messageId)).toEqual([later.messageId, expect.any(String)]);
    expect(store.getMessage(chat.summary.chatId, old.messageId)).toBeNull();
    store.purge.setDeleted(new Map());
    store.transaction(() => store.putMessages([old]));
    expect(store.getMessage(chat.summary.chatId, old.messageId)).not.toBeNull();
  });

  it('marks read through a read marker only the messages from others at or before it', () => {
    const [a, b, c] = [1, 2, 3].map((i) => testMessage(bob, chat, `from bob ${i}`, { status: 'delivered' }));
    const mine = testMessage(me, chat, 'mine', { status: 'sent' });
    store.transaction(() => store.putMessages([a!, b!, mine, c!]));
    expect(store.unread.counts(me.userId).get(chat.summary.chatId)).toBe(3);
    expect(
      store.unread.markReadThrough(chat.summary.chatId, me.userId, { createdAt: b!.createdAt, id: b!.messageId }),
    ).toBe(2);
    expect(store.unread.messageIds(chat.summary.chatId, me.userId)).toEqual([c!.messageId]);
    expect(store.getMessage(chat.summary.chatId, mine.messageId)!.status).toBe('sent');
    // Again, or an older marker: nothing changes.
    expect(
      store.unread.markReadThrough(chat.summary.chatId, me.userId, { createdAt: a!.createdAt, id: a!.messageId }),
    ).toBe(0);
  });
});
