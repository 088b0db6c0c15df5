import Database from 'better-sqlite3';
import { chmodSync, mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatSummary, MessageRecord } from '../../../../common/contract';
import { LocalStore } from './local-store';

let dir: string;
let store: LocalStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'symc-store-'));
  store = LocalStore.open(path.join(dir, 'local.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const env = (size = 40) => `v1.${'A'.repeat(32)}.${'B'.repeat(size)}`;

function chat(overrides: Partial<ChatSummary> = {}): ChatSummary {
  return {
    chatId: id(),
    createdByUserId: id(),
    encryptedMeta: env(),
    metaVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    members: [],
    wrappedChatKey: env(),
    sealedChatKey: null,
    lastOpenedAt: null,
    pinned: false,
    messageCount: 0,
    ...overrides,
  };
}

function message(chatId: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  const messageId = id();
  return {
    messageId,
    chatId,
    senderUserId: id(),
    senderDeviceId: id(),
    clientKey: `k-${messageId}`,
    ciphertext: env(),
    status: 'sent',
    createdAt: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`,
    ...overrides,
  };
}

describe('LocalStore', () => {
  it('applying the same batch twice changes nothing', () => {
    const c = chat();
    store.upsertChats([c]);
    const batch = [message(c.chatId), message(c.chatId), message(c.chatId)];
    expect(store.transaction(() => store.putMessages(batch))).toHaveLength(3);
    const before = JSON.stringify({ m: store.listMessages(c.chatId, 10), c: store.listChats() });
    expect(store.transaction(() => store.putMessages(batch))).toHaveLength(0);
    expect(JSON.stringify({ m: store.listMessages(c.chatId, 10), c: store.listChats() })).toBe(before);
  });

  it('a batch cut off halfway leaves no trace, position included', () => {
    const c = chat();
    store.upsertChats([c]);
    expect(() =>
      store.transaction(() => {
        store.putMessages([message(c.chatId), message(c.chatId)]);
        store.setState('last_event_id', 'h1:0:2');
        throw new Error('crash in the middle');
      }),
    ).toThrow('crash');
    expect(store.listMessages(c.chatId, 10)).toEqual([]);
    expect(store.getState('last_event_id')).toBeNull();
    expect(store.getChat(c.chatId)?.bytes).toBe(0);
  });

  it('statuses only move forward', () => {
    const c = chat();
    store.upsertChats([c]);
    const m = message(c.chatId, { status: 'read' });
    store.putMessages([m]);
    store.putMessages([{ ...m, status: 'sent' }]);
    expect(store.setMessageStatus(c.chatId, m.messageId, 'delivered')).toBe(false);
    expect(store.getMessage(c.chatId, m.messageId)?.status).toBe('read');
  });

  it('a queued message is confirmed in place when the server copy arrives', () => {
    const c = chat();
    store.upsertChats([c]);
    const m = message(c.chatId);
    store.putQueuedMessage({ ...m, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(store.getMessage(c.chatId, m.messageId)?.status).toBe('queued');
    store.putMessages([{ ...m, createdAt: '2026-01-01T00:00:05.000Z' }]);
    expect(store.getMessage(c.chatId, m.messageId)).toMatchObject({
      status: 'sent',
      created_at: '2026-01-01T00:00:05.000Z',
    });
    expect(store.listMessages(c.chatId, 10)).toHaveLength(1);
  });

  it('an older chat-meta version never overwrites a newer one', () => {
    const c = chat({ metaVersion: 3, encryptedMeta: env(50) });
    store.upsertChats([c]);
    store.upsertChats([{ ...c, metaVersion: 2, encryptedMeta: env(60) }]);
    expect(store.getChat(c.chatId)).toMatchObject({ meta_version: 3, encrypted_meta: env(50) });
  });

  describe('budget', () => {
    function fill(chats: number) {
      const made: ChatSummary[] = [];
      for (let i = 0; i < chats; i++) {
        const c = chat({ updatedAt: `2026-01-01T00:${String(i).padStart(2, '0')}:00.000Z` });
        store.upsertChats([c]);
        store.putMessages([message(c.chatId, { ciphertext: env(1000), createdAt: c.updatedAt })]);
        made.push(c);
      }
      return made;
    }

    it('evicts the least recently updated chats beyond the chat limit, never an open or pinned one', () => {
      const made = fill(6);
      store.setPinned(made[0]!.chatId, true);
      const evicted = store.transaction(() =>
        store.enforceBudget({ maxChats: 3, maxBytes: 1e9 }, new Set([made[1]!.chatId])),
      );
      expect(evicted).toEqual([made[2]!.chatId, made[3]!.chatId, made[4]!.chatId].slice(0, 3));
      expect(
        store
          .listChats()
          .map((c) => c.id)
          .sort(),
      ).toEqual([made[0]!.chatId, made[1]!.chatId, made[5]!.chatId].sort());
      expect(store.listMessages(made[2]!.chatId, 10)).toEqual([]);
    });

    it('evicts by bytes too, and reports storage stats', () => {
      fill(5);
      const perChat = store.listChats()[0]!.bytes;
      expect(store.stats({ maxChats: 100, maxBytes: 1 })).toMatchObject({ chats: 5, messages: 5, bytes: perChat * 5 });
      store.transaction(() => store.enforceBudget({ maxChats: 100, maxBytes: perChat * 2 }, new Set()));
      expect(store.stats({ maxChats: 100, maxBytes: perChat * 2 })).toMatchObject({ chats: 2, bytes: perChat * 2 });
    });

    it('keeps an evicted chat’s draft row, so an edit after the chat returns still outranks what this desktop saw', () => {
      const made = fill(2);
      const chatId = made[0]!.chatId;
      const seen = {
        chatId,
        ciphertext: env(20),
        version: 7,
        updatedByDevice: id(),
        updatedAt: '2026-01-01T00:00:00.000Z',
      };
      store.putDraft(seen);
      store.transaction(() => store.enforceBudget({ maxChats: 1, maxBytes: 1e9 }, new Set()));
      expect(store.hasChat(chatId)).toBe(false);
      expect(store.getDraft(chatId)).toMatchObject({ version: 7 });
      expect(store.saveLocalDraft(chatId, env(30), id()).version).toBe(8);
    });

    it('never evicts a chat with unsent messages', () => {
      const made = fill(3);
      store.enqueueOutbox({
        message_id: id(),
        chat_id: made[0]!.chatId,
        client_key: 'k',
        ciphertext: env(),
        created_at: '2026-01-01T00:00:00.000Z',
      });
      store.transaction(() => store.enforceBudget({ maxChats: 1, maxBytes: 1e9 }, new Set()));
      expect(store.listChats().map((c) => c.id)).toContain(made[0]!.chatId);
    });
  });

  it('wipe deletes the database files', () => {
    store.upsertChats([chat()]);
    store.wipe();
    expect(existsSync(path.join(dir, 'local.db'))).toBe(false);
    expect(existsSync(path.join(dir, 'local.db-wal'))).toBe(false);
  });

  it('uses the chat/time index to page messages', () => {
    const raw = new Database(store.file, { readonly: true });
    const plan = raw
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM messages WHERE chat_id = ? ORDER BY created_at DESC, id DESC LIMIT 50')
      .all('x') as Array<{ detail: string }>;
    raw.close();
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/messages_by_chat_time/);
  });
});

describe('file modes', () => {
  const mode = (file: string) => statSync(file).mode & 0o777;

  it('the store and its -wal and -shm are readable by this user only (0600)', () => {
    store.upsertChats([chat()]);
    expect(mode(store.file)).toBe(0o600);
    expect(mode(`${store.file}-wal`)).toBe(0o600);
    expect(mode(`${store.file}-shm`)).toBe(0o600);
  });

  it('a store created 0644 by an older version is tightened when opened', () => {
    store.upsertChats([chat()]);
    store.close();
    for (const part of ['', '-wal', '-shm']) if (existsSync(store.file + part)) chmodSync(store.file + part, 0o644);
    store = LocalStore.open(store.file);
    expect(mode(store.file)).toBe(0o600);
  });
});
