import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStore } from './local-store';
import { migrate, MIGRATIONS } from './migrations';
import { UNREAD_COUNTS_SQL, UNREAD_IDS_SQL } from './unread-queries';

/** The query plan SQLite picks for `sql` in the store at `file` (read through a second connection). */
function queryPlan(file: string, sql: string, ...params: string[]): string {
  const raw = new Database(file, { readonly: true });
  try {
    return (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
      .map((p) => p.detail)
      .join(' ');
  } finally {
    raw.close();
  }
}

describe('local store migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('brings a schema-1 store to the current schema keeping every message, now keyed by (chat, id)', () => {
    const file = path.join(dir, 'local.db');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    const insert = old.prepare(
      'INSERT INTO messages (id, chat_id, sender_user_id, sender_device_id, client_key, ciphertext, status, created_at, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('m1', 'chat-a', 'u', 'd', 'k1', 'v1.x.y', 'read', '2026-01-01T00:00:01.000Z', 6);
    insert.run('m2', 'chat-a', 'u', 'd', 'k2', 'v1.x.z', 'sent', '2026-01-01T00:00:02.000Z', 6);
    insert.run('m3', 'chat-b', 'u', 'd', 'k3', 'v1.x.w', 'queued', '2026-01-01T00:00:03.000Z', 6);
    old.close();

    const store = LocalStore.open(file);
    try {
      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      raw.close();
      expect(store.allMessageIds()).toEqual(['m1', 'm2', 'm3']);
      expect(store.getMessage('chat-a', 'm2')).toMatchObject({
        status: 'sent',
        ciphertext: 'v1.x.z',
        created_at: '2026-01-01T00:00:02.000Z',
      });
      expect(store.getMessage('chat-b', 'm1')).toBeNull();
      expect(store.listMessages('chat-a', 10).map((m) => m.id)).toEqual(['m1', 'm2']);
      // The keys the sync's inserts and lookups use.
      expect(queryPlan(file, "SELECT * FROM messages WHERE chat_id = 'chat-a' AND id = 'm1'")).toMatch(
        /USING INDEX sqlite_autoindex_messages_1 \(chat_id=\? AND id=\?\)/,
      );
    } finally {
      store.close();
    }
  });

  it("reads a chat list's unread messages from the partial index, not from every message", () => {
    const file = path.join(dir, 'unread.db');
    const store = LocalStore.open(file);
    try {
      // Exactly the statements the store runs (store.unread).
      expect(queryPlan(file, UNREAD_COUNTS_SQL, 'me')).toContain('USING INDEX messages_unread');
      // One chat's unread ids: an index search within the chat (SQLite prefers the chat/time index, already in order).
      expect(queryPlan(file, UNREAD_IDS_SQL, 'chat-a', 'me')).toMatch(
        /^SEARCH messages USING (COVERING )?INDEX \w+ \(chat_id=\?/,
      );
    } finally {
      store.close();
    }
  });

  it('applies nothing twice, and refuses a store from a newer Symc', () => {
    const db = new Database(path.join(dir, 'twice.db'));
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db)).toThrow('the local database is from a newer Symc');
    db.close();
  });
  it('brings a schema-3 store to message actions: old rows are never edited and not deleted; actions then apply', () => {
    const file = path.join(dir, 'local.db');
    const old = new Database(file);
    for (const step of MIGRATIONS.slice(0, 3)) old.exec(step);
    old.pragma('user_version = 3');
    old
      .prepare(
        `INSERT INTO chats (id, encrypted_meta, meta_version, members, created_by, created_at, updated_at, bytes)
       VALUES ('chat-a', 'v1.m', 1, '[]', 'u', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 12)`,
      )
      .run();
    const insert = old.prepare(
      'INSERT INTO messages (id, chat_id, sender_user_id, sender_device_id, client_key, ciphertext, status, created_at, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('m1', 'chat-a', 'u', 'd', 'k1', 'v1.x.y', 'read', '2026-01-01T00:00:01.000Z', 6);
    insert.run('m2', 'chat-a', 'u', 'd', 'k2', 'v1.x.z', 'sent', '2026-01-01T00:00:02.000Z', 6);
    old.close();

    const store = LocalStore.open(file);
    try {
      expect(store.getMessage('chat-a', 'm1')).toMatchObject({ ciphertext: 'v1.x.y', edit: null, deleted_at: null });
      const edit = { version: 2, ciphertext: 'v1.e.2', editedAt: '2026-01-02T00:00:00.000Z' };
      expect(store.putMessageEdit('chat-a', 'm1', edit)).toBe(true);
      // An older version never replaces a newer one.
      expect(store.putMessageEdit('chat-a', 'm1', { ...edit, version: 1, ciphertext: 'v1.e.1' })).toBe(false);
      expect(JSON.parse(store.getMessage('chat-a', 'm1')!.edit!)).toEqual(edit);
      expect(store.deleteMessageContent('chat-a', 'm1', '2026-01-03T00:00:00.000Z')).toBe(true);
      expect(store.deleteMessageContent('chat-a', 'm1', '2026-01-04T00:00:00.000Z')).toBe(false);
      expect(store.getMessage('chat-a', 'm1')).toMatchObject({ ciphertext: '', edit: null, size: 0 });
      expect(store.putMessageEdit('chat-a', 'm1', { ...edit, version: 3 })).toBe(false);
      expect(store.removeMessage('chat-a', 'm2')).toBe(true);
      expect(store.getMessage('chat-a', 'm2')).toBeNull();
      expect(store.getChat('chat-a')?.bytes).toBe(0);
    } finally {
      store.close();
    }
  });
  it('brings a schema-5 store to key versions: its one chat key is version 1, its rows are version 1, and it still opens', () => {
    const file = path.join(dir, 'local.db');
    const old = new Database(file);
    for (const step of MIGRATIONS.slice(0, 5)) old.exec(step);
    old.pragma('user_version = 5');
    const chat = old.prepare(
      `INSERT INTO chats (id, encrypted_meta, meta_version, wrapped_chat_key, sealed_chat_key, members, created_by, created_at, updated_at)
       VALUES (?, 'v1.m', 1, ?, ?, '[]', 'u', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
    );
    chat.run('chat-a', 'v1.wrapped', null);
    chat.run('chat-b', null, 'sealed-b');
    chat.run('chat-c', null, null);
    old
      .prepare(
        'INSERT INTO messages (id, chat_id, sender_user_id, sender_device_id, client_key, ciphertext, status, created_at, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run('m1', 'chat-a', 'u', 'd', 'k1', 'v1.x.y', 'read', '2026-01-01T00:00:01.000Z', 6);
    old
      .prepare(
        "INSERT INTO outbox (message_id, chat_id, client_key, ciphertext, created_at) VALUES ('m2', 'chat-a', 'k2', 'v1.x.z', '2026-01-01T00:00:02.000Z')",
      )
      .run();
    old.close();

    const store = LocalStore.open(file);
    try {
      expect(store.chatKeyCopy('chat-a', 1)).toEqual({
        chat_id: 'chat-a',
        key_version: 1,
        wrapped_chat_key: 'v1.wrapped',
        sealed_chat_key: null,
      });
      expect(store.chatKeyCopy('chat-b', 1)).toMatchObject({ wrapped_chat_key: null, sealed_chat_key: 'sealed-b' });
      expect(store.chatKeyCopy('chat-c', 1)).toBeNull();
      expect(store.chatKeyVersions('chat-a')).toEqual([1]);
      expect(store.getChat('chat-a')).toMatchObject({ key_version: 1, rotation_due: 0 });
      expect(store.getMessage('chat-a', 'm1')).toMatchObject({ key_version: 1, ciphertext: 'v1.x.y' });
      expect(store.listOutbox()[0]).toMatchObject({ message_id: 'm2', key_version: 1 });
      // A later version enters only through putVerifiedChatKey; removing the chat takes everything.
      store.putVerifiedChatKey('chat-a', 2, 'v1.wrapped-2');
      expect(store.chatKeyVersions('chat-a')).toEqual([1, 2]);
      expect(store.removeChat('chat-a')).toBe(true);
      expect(store.chatKeyVersions('chat-a')).toEqual([]);
      expect(store.getMessage('chat-a', 'm1')).toBeNull();
      expect(store.listOutbox()).toEqual([]);
      expect(store.removeChat('chat-a')).toBe(false);
    } finally {
      store.close();
    }
  });

  it('brings a schema-6 store to file sends: its rows and outbox stay, the file outbox starts empty, holds and protects', () => {
    const file = path.join(dir, 'local.db');
    const old = new Database(file);
    for (const step of MIGRATIONS.slice(0, 6)) old.exec(step);
    old.pragma('user_version = 6');
    const chat = old.prepare(
      `INSERT INTO chats (id, encrypted_meta, meta_version, members, created_by, created_at, updated_at, bytes)
       VALUES (?, 'v1.m', 1, '[]', 'u', ?, ?, 1000)`,
    );
    chat.run('chat-a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
    chat.run('chat-b', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z');
    old
      .prepare(
        "INSERT INTO outbox (message_id, chat_id, client_key, ciphertext, created_at, key_version) VALUES ('m1', 'chat-b', 'k1', 'v1.x.z', '2026-01-01T00:00:02.000Z', 1)",
      )
      .run();
    old.close();

    const store = LocalStore.open(file);
    try {
      expect(store.listOutbox().map((r) => r.message_id)).toEqual(['m1']);
      expect(store.fileOutbox.list()).toEqual([]);
      const pending = { id: 'a1', blobBytes: 1_041, uploadUrl: null, uploaded: false };
      store.fileOutbox.put({
        messageId: 'f1',
        chatId: 'chat-a',
        clientKey: 'k2',
        ciphertext: 'v1.f.1',
        keyVersion: 1,
        createdAt: '2026-01-01T00:00:03.000Z',
        files: [pending],
      });
      store.fileOutbox.setFiles('f1', [{ ...pending, uploadUrl: 'http://127.0.0.1/attachments/a1', uploaded: true }]);
      expect(store.fileOutbox.get('f1')).toMatchObject({
        chatId: 'chat-a',
        lastError: null,
        files: [{ id: 'a1', uploadUrl: 'http://127.0.0.1/attachments/a1', uploaded: true }],
      });
      // A chat with a file message waiting is not evicted by the budget (nor one with a text one).
      expect(store.enforceBudget({ maxChats: 0, maxBytes: 0 }, new Set())).toEqual([]);
      store.fileOutbox.remove('f1');
      expect(store.enforceBudget({ maxChats: 0, maxBytes: 0 }, new Set())).toEqual(['chat-a']);
      expect(store.holdsAnything()).toBe(true);
    } finally {
      store.close();
    }
  });
});
