import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../../../common/crypto';
import type { DesktopCore } from '../core/desktop-core';
import { EncryptedSearchIndex } from '../core/search/encrypted-search-index';
import { LocalStore } from '../core/store/local-store';
import { type TestAccount, testAccount, type TestChat, testChat, testMessage } from '../../test/support/sync-fixtures';
import { ChatReader } from '../core/view/chat-reader';
import type { DesktopDrafts } from '../core/drafts/desktop-drafts';
import { SearchFeeder } from './search-feeder';
import { SenderBook } from '../../../common/trust/message-author';
import { EMPTY_DIRECTORY } from '../../../common/trust/sender-keys';

/**
 * The feeder over a real store, reader and index (the core around them is only what the feeder reads).
 * Its build goes one chat per turn of the event loop; what arrives meanwhile must end up indexed once.
 */
describe('SearchFeeder', () => {
  let dir: string;
  let store: LocalStore;
  let me: TestAccount;
  let feeder: SearchFeeder;
  let index: EncryptedSearchIndex;
  let core: DesktopCore;
  const key = new Uint8Array(32).fill(7);
  const indexFile = () => path.join(dir, 'search.db');
  const drafts = { read: () => '' } as unknown as DesktopDrafts;
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setImmediate(r));
    if (!condition()) throw new Error('timed out');
  };
  const put = (chat: TestChat, text: string) => {
    const m = testMessage(me, chat, text);
    store.transaction(() => store.putMessages([m]));
    return m;
  };

  beforeAll(initCrypto);
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-feeder-'));
    store = LocalStore.open(path.join(dir, 'local.db'));
    me = testAccount((id, version) => store.chatKeyCopy(id, version));
    index = EncryptedSearchIndex.open(indexFile(), key);
    core = {
      store,
      reader: new ChatReader(store, me.keyring, me.userId, new SenderBook(EMPTY_DIRECTORY)),
    } as unknown as DesktopCore;
    feeder = new SearchFeeder(core, index, drafts);
  });
  afterEach(() => {
    feeder.dispose();
    index.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds one chat per turn; messages and chats that arrive meanwhile are all indexed, once', async () => {
    const chats = ['Alpha', 'Bravo', 'Charlie'].map((title, i) =>
      testChat(me, { title, updatedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() }),
    );
    store.transaction(() => store.upsertChats(chats.map((c) => c.summary)));
    for (const chat of chats) for (let i = 0; i < 20; i++) put(chat, `${chat.summary.chatId.slice(0, 4)} history ${i}`);

    feeder.build();
    // One chat so far (the most recent), and the event loop is free again.
    expect(feeder.ready).toBe(false);
    expect(index.search('history').length).toBeGreaterThan(0);
    expect(new Set(index.search('history', 500).map((h) => h.chatId)).size).toBe(1);

    // Meanwhile: a message to a chat already indexed, one to a chat not reached yet, and a new chat.
    const [, , charlie] = chats;
    const toIndexed = put(charlie!, 'zebra crossing');
    feeder.addMessages(charlie!.summary.chatId, [toIndexed.messageId]);
    const toPending = put(chats[0]!, 'yellow submarine');
    feeder.addMessages(chats[0]!.summary.chatId, [toPending.messageId]);
    const delta = testChat(me, { title: 'Delta', updatedAt: new Date(Date.UTC(2025, 0, 1)).toISOString() });
    store.transaction(() => store.upsertChats([delta.summary]));
    put(delta, 'quiet harbour');

    await until(() => feeder.ready);
    expect(index.search('zebra').map((h) => h.messageId)).toEqual([toIndexed.messageId]);
    expect(index.search('submarine').map((h) => h.messageId)).toEqual([toPending.messageId]);
    expect(index.search('harbour').map((h) => h.chatId)).toEqual([delta.summary.chatId]);
    expect(index.search('history', 500).filter((h) => h.kind === 'message')).toHaveLength(60);
    expect(index.search('Delta').some((h) => h.kind === 'chat')).toBe(true);
  });

  it('a build stopped by dispose (the core closing) reads nothing more', async () => {
    const chats = [testChat(me, { title: 'One' }), testChat(me, { title: 'Two' })];
    store.transaction(() => store.upsertChats(chats.map((c) => c.summary)));
    for (const chat of chats) put(chat, 'words');
    feeder.build();
    expect(index.search('words')).toHaveLength(1);
    feeder.dispose();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(index.search('words')).toHaveLength(1);
    expect(feeder.ready).toBe(false);
  });

  /** The feeder of a restarted app: a new index object on the same file. */
  const restart = () => {
    feeder.dispose();
    index.close();
    index = EncryptedSearchIndex.open(indexFile(), key);
    feeder = new SearchFeeder(core, index, drafts);
  };

  it('after a restart a built index is ready at once, and catches up on what it missed, and on chats gone', async () => {
    const chats = [testChat(me, { title: 'Kept' }), testChat(me, { title: 'Behind' }), testChat(me, { title: 'Gone' })];
    store.transaction(() => store.upsertChats(chats.map((c) => c.summary)));
    for (const chat of chats) put(chat, 'indexed before');
    feeder.build();
    await until(() => feeder.ready);

    // Stored but never indexed (the app died between the two), and a chat the store lost meanwhile.
    const missed = put(chats[1]!, 'arrived before the crash');
    store.transaction(() =>
      store.enforceBudget(
        { maxChats: 2, maxBytes: 1e12 },
        new Set([chats[0]!.summary.chatId, chats[1]!.summary.chatId]),
      ),
    );
    expect(store.hasChat(chats[2]!.summary.chatId)).toBe(false);
    restart();
    expect(feeder.ready).toBe(true);
    expect(index.search('indexed').length).toBeGreaterThanOrEqual(2);
    expect(index.search('crash')).toEqual([]);

    feeder.build();
    await until(() => index.search('crash').length === 1);
    expect(index.search('crash')[0]!.messageId).toBe(missed.messageId);
    expect(index.search('gone')).toEqual([]);
    expect(index.indexedChats().sort()).toEqual([chats[0]!.summary.chatId, chats[1]!.summary.chatId].sort());
  });

  it('a build cut off before it finished starts over after a restart (not ready until done)', async () => {
    const chats = [testChat(me, { title: 'One' }), testChat(me, { title: 'Two' })];
    store.transaction(() => store.upsertChats(chats.map((c) => c.summary)));
    for (const chat of chats) put(chat, 'words');
    feeder.build();
    restart();
    expect(feeder.ready).toBe(false);
    feeder.build();
    await until(() => feeder.ready);
    expect(index.search('words')).toHaveLength(2);
  });

  it('reindexMessages and removeMessages: the hooks for edits and deletes', async () => {
    const chat = testChat(me, { title: 'Hooks' });
    store.transaction(() => store.upsertChats([chat.summary]));
    const a = put(chat, 'kept message');
    const b = put(chat, 'deleted message');
    feeder.build();
    await until(() => feeder.ready);
    feeder.removeMessages([b.messageId]);
    expect(index.search('message').map((h) => h.messageId)).toEqual([a.messageId]);
    feeder.reindexMessages(chat.summary.chatId, [b.messageId]); // back from the store
    expect(index.search('deleted').map((h) => h.messageId)).toEqual([b.messageId]);
  });
});
