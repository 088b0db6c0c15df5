import type Database from 'better-sqlite3';

/**
 * The desktop's local schema, append-only: migration N brings `user_version` from N-1 to N.
 * Invariant: every column that carries user content holds ciphertext exactly as the server sent it.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: chats, messages, drafts, outbox, sync state, settings.
  `
  CREATE TABLE chats (
    id TEXT PRIMARY KEY,
    encrypted_meta TEXT NOT NULL,
    meta_version INTEGER NOT NULL,
    wrapped_chat_key TEXT,
    sealed_chat_key TEXT,
    members TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_opened_at TEXT,
    pinned INTEGER NOT NULL DEFAULT 0,
    server_message_count INTEGER NOT NULL DEFAULT 0,
    history_complete INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX chats_by_update ON chats (updated_at DESC, id);

  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    chat_id TEXT NOT NULL,
    sender_user_id TEXT NOT NULL,
    sender_device_id TEXT NOT NULL,
    client_key TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    -- 'queued' (local only, waiting in the outbox) < 'sent' < 'delivered' < 'read'
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    size INTEGER NOT NULL
  );
  CREATE INDEX messages_by_chat_time ON messages (chat_id, created_at, id);

  CREATE TABLE drafts (
    chat_id TEXT PRIMARY KEY,
    ciphertext TEXT,
    version INTEGER NOT NULL,
    updated_by_device TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- 1 while a local edit has not reached the server yet
    pending INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE outbox (
    message_id TEXT PRIMARY KEY,
    chat_id TEXT NOT NULL,
    client_key TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );

  CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 2: messages keyed by (chat_id, id) instead of id. Message ids are random, so every history batch
  // inserted into a global id index touched pages all over it, and each commit wrote them all again (an
  // M sync spent ~440 ms in commits). Keyed by chat first, a batch touches only its chats' few pages:
  // storing 100,000 messages in 2,000-message transactions took 825–1,028 → 531–549 ms. Every lookup
  // by id knows the chat (status events, receipts, paging, the outbox echo).
  `
  CREATE TABLE messages_by_chat (
    id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    sender_user_id TEXT NOT NULL,
    sender_device_id TEXT NOT NULL,
    client_key TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (chat_id, id)
  );
  INSERT INTO messages_by_chat (id, chat_id, sender_user_id, sender_device_id, client_key, ciphertext, status, created_at, size)
    SELECT id, chat_id, sender_user_id, sender_device_id, client_key, ciphertext, status, created_at, size FROM messages;
  DROP TABLE messages;
  ALTER TABLE messages_by_chat RENAME TO messages;
  CREATE INDEX messages_by_chat_time ON messages (chat_id, created_at, id);
  `,
  // 3: the unread messages, per chat. The chat list counts them on every refresh (chat-views.ts), and
  // without an index that read every message: 220 ms a refresh on a 500,000-message store, on the
  // process that also runs the sync. Partial: a read message — nearly all of them — is not in it, so
  // storing history costs nothing more. The queries must keep the condition `status <> 'read'`.
  `
  CREATE INDEX messages_unread ON messages (chat_id) WHERE status <> 'read';
  `,
  // 4: message actions (docs/MESSAGES.md). \`edit\`: the latest edit as the server sent it (JSON of
  // MessageEditRecord, its envelope still sealed); \`deleted_at\`: deleted for everyone — the row keeps no
  // ciphertext (''), only the tombstone. Rows stored before keep NULL in both: never edited, not deleted.
  `
  ALTER TABLE messages ADD COLUMN edit TEXT;
  ALTER TABLE messages ADD COLUMN deleted_at TEXT;
  `,
  // 5: receipts per recipient on this account's own messages (docs/MESSAGES.md): JSON of
  // { deliveredTo, readBy } (each [{userId, at}]) as the server last sent them, merged so they only grow.
  // Rows stored before keep NULL: only their one status is known.
  `
  ALTER TABLE messages ADD COLUMN receipts TEXT;
  `,
  // 6: chat key versions (docs/GROUPS.md). \`chat_keys\`: this user's copy of each version of a chat's key,
  // as the server sent it (wrapped under the master key, or sealed to the identity key). Version 1 is
  // trusted as it always was; a copy of version 2 or later is stored only once the chat's signed membership
  // statements verified and the key matched its commitment (core/groups/key-verification.ts). The one key a
  // chat had before becomes its version 1; \`chats.wrapped_chat_key\`/\`sealed_chat_key\` are no longer read.
  // \`key_version\` on messages and the outbox: the version each body is written under (1 for every older row).
  `
  CREATE TABLE chat_keys (
    chat_id TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    wrapped_chat_key TEXT,
    sealed_chat_key TEXT,
    PRIMARY KEY (chat_id, key_version)
  );
  INSERT INTO chat_keys (chat_id, key_version, wrapped_chat_key, sealed_chat_key)
    SELECT id, 1, wrapped_chat_key, sealed_chat_key FROM chats
    WHERE wrapped_chat_key IS NOT NULL OR sealed_chat_key IS NOT NULL;
  ALTER TABLE chats ADD COLUMN key_version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE chats ADD COLUMN rotation_due INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN key_version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE outbox ADD COLUMN key_version INTEGER NOT NULL DEFAULT 1;
  `,
  // 7: file messages waiting to be sent (docs/ATTACHMENTS.md "Sending offline and across restarts"), apart from
  // the text outbox: hello never replays them (a body naming blobs must go with its \`attachmentIds\`, once the
  // blobs are uploaded). \`ciphertext\`: the signed body under the chat key, as in the outbox. \`files\`: JSON
  // [{id, blobBytes, uploadUrl, uploaded}] — blob ids, sealed lengths and tus upload URLs, nothing of the
  // content; the sealed blobs themselves are \`<attachmentId>.outgoing\` beside the cache. Older stores had
  // no such sends (a file went out at once or not at all): the table starts empty.
  `
  CREATE TABLE file_outbox (
    message_id TEXT PRIMARY KEY,
    chat_id TEXT NOT NULL,
    client_key TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    files TEXT NOT NULL,
    last_error TEXT
  );
  `,
];

export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the local database is from a newer Symc (schema ${current}); update the app`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    // Each migration and its version bump commit together, or not at all.
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length;
}
