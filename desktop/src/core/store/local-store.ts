import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  type ChatSummary,
  type HeldChat,
  compareDrafts,
  type DraftRecord,
  type MessageEditRecord,
  type MessageRecord,
} from '../../../../common/contract';
import { migrate } from './migrations';
import { preparePrivateDatabaseFile } from './private-file';
import { FileOutboxTable } from './file-outbox-table';
import { SettingsTable } from './settings-table';
import type { StorageBudget, StorageStats } from './storage-budget';
import {
  type ChatKeyRow,
  type ChatRow,
  chatToRow,
  firstVersionCopy,
  type DraftRow,
  draftToRow,
  type LocalMessageStatus,
  mergeReceipts,
  type MessageRow,
  type OutboxRow,
  type StoredReceipts,
} from './rows';
import { UnreadQueries } from './unread-queries';
import { ChatPurge } from './chat-purge';

/** Forward-only statuses in SQL: a replayed or late 'sent' never downgrades a 'read'. */
const RANK = (col: string) =>
  `CASE ${col} WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END`;

/**
 * The desktop's encrypted local store (better-sqlite3, WAL). Holds ciphertext only. Every apply method
 * runs in one transaction and is idempotent by id: a batch applied twice changes nothing, and a batch cut
 * off halfway (crash, exception) leaves no trace. The sync position is written in the same transaction as
 * the data it covers, so "what I have" and "where I am" can never disagree. All SQL on the store lives in
 * store/ (this class and the query objects it hands out); the database handle never leaves it.
 */
export class LocalStore {
  /** better-sqlite3 addon for this process's runtime (`nativeBinding`); null: the package's own build. Set by
   * unpackaged Electron before any store opens (desktop/src/main/electron-native.ts). */
  static nativeBinding: string | null = null;

  private readonly db: Database.Database;
  private readonly stmts;
  readonly unread: UnreadQueries;
  readonly settings: SettingsTable;
  /** Chats deleted for me: their messages up to the deletion leave the store and never come back. */
  readonly purge: ChatPurge;
  /** File messages waiting to be sent (core/attachments/file-outbox.ts). */
  readonly fileOutbox: FileOutboxTable;

  private constructor(
    readonly file: string,
    nativeBinding: string | null,
  ) {
    preparePrivateDatabaseFile(file);
    this.db = new Database(file, nativeBinding === null ? {} : { nativeBinding });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // A history batch dirties hundreds of pages (before migration 2, all over the random message-id index);
    // with SQLite's default checkpoint every 1,000 pages (4 MB), a full sync spent most of its store time
    // checkpointing and waiting on fsync. Checkpointing every 10,000 pages (40 MB of WAL, reused, trimmed to 64 MB at most)
    // halved the store's CPU time in the benchmark (docs/BENCHMARKS.md).
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    this.unread = new UnreadQueries(this.db);
    this.settings = new SettingsTable(this.db);
    this.purge = new ChatPurge(this.db);
    this.fileOutbox = new FileOutboxTable(this.db);
    this.stmts = {
      upsertChat: this.db.prepare(`
        INSERT INTO chats (id, encrypted_meta, meta_version, wrapped_chat_key, sealed_chat_key, members, created_by,
                           created_at, updated_at, last_opened_at, pinned, server_message_count, key_version, rotation_due)
        VALUES (@id, @encrypted_meta, @meta_version, @wrapped_chat_key, @sealed_chat_key, @members, @created_by,
                @created_at, @updated_at, @last_opened_at, @pinned, @server_message_count, @key_version, @rotation_due)
        ON CONFLICT(id) DO UPDATE SET
          encrypted_meta = CASE WHEN excluded.meta_version >= meta_version THEN excluded.encrypted_meta ELSE encrypted_meta END,
          meta_version = MAX(meta_version, excluded.meta_version),
          wrapped_chat_key = COALESCE(excluded.wrapped_chat_key, wrapped_chat_key),
          sealed_chat_key = excluded.sealed_chat_key,
          members = excluded.members,
          updated_at = MAX(updated_at, excluded.updated_at),
          last_opened_at = excluded.last_opened_at,
          pinned = excluded.pinned,
          server_message_count = excluded.server_message_count,
          rotation_due = CASE WHEN excluded.key_version >= key_version THEN excluded.rotation_due ELSE rotation_due END,
          key_version = MAX(key_version, excluded.key_version)`),
      // Version 1 as it always was: a wrapped copy replaces a sealed one, never the other way round.
      upsertChatKey: this.db.prepare(`
        INSERT INTO chat_keys (chat_id, key_version, wrapped_chat_key, sealed_chat_key)
        VALUES (@chat_id, @key_version, @wrapped_chat_key, @sealed_chat_key)
        ON CONFLICT(chat_id, key_version) DO UPDATE SET
          wrapped_chat_key = COALESCE(excluded.wrapped_chat_key, wrapped_chat_key),
          sealed_chat_key = excluded.sealed_chat_key`),
      getChatKey: this.db.prepare('SELECT * FROM chat_keys WHERE chat_id = ? AND key_version = ?'),
      // Positional parameters: the sync's hottest statement, and binding by name costs ~1 µs a row more.
      insertMessage: this.db.prepare(`
        INSERT OR IGNORE INTO messages (id, chat_id, sender_user_id, sender_device_id, client_key, ciphertext, status, created_at, size, key_version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // A message we sent from the outbox comes back from the server: take its timestamp and status.
      confirmMessage: this.db.prepare(`
        UPDATE messages SET created_at = @created_at,
          status = CASE WHEN ${RANK('@status')} > ${RANK('status')} THEN @status ELSE status END
        WHERE chat_id = @chat_id AND id = @id`),
      addChatBytes: this.db.prepare('UPDATE chats SET bytes = bytes + ?, updated_at = MAX(updated_at, ?) WHERE id = ?'),
      setStatus: this.db.prepare(
        `UPDATE messages SET status = @status WHERE chat_id = @chat_id AND id = @id AND ${RANK('@status')} > ${RANK('status')}`,
      ),
      markComplete: this.db.prepare('UPDATE chats SET history_complete = 1 WHERE id = ?'),
      getState: this.db.prepare('SELECT value FROM sync_state WHERE key = ?'),
      setState: this.db.prepare(
        'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      chatExists: this.db.prepare('SELECT 1 FROM chats WHERE id = ?'),
      usage: this.db.prepare('SELECT COUNT(*) AS chats, COALESCE(SUM(bytes), 0) AS bytes FROM chats'),
      writeDraft: this.db.prepare(`
        INSERT INTO drafts (chat_id, ciphertext, version, updated_by_device, updated_at, pending)
        VALUES (@chat_id, @ciphertext, @version, @updated_by_device, @updated_at, @pending)
        ON CONFLICT(chat_id) DO UPDATE SET ciphertext = excluded.ciphertext, version = excluded.version,
          updated_by_device = excluded.updated_by_device, updated_at = excluded.updated_at, pending = excluded.pending`),
      getDraft: this.db.prepare('SELECT * FROM drafts WHERE chat_id = ?'),
    };
  }

  static open(file: string, nativeBinding: string | null = LocalStore.nativeBinding): LocalStore {
    return new LocalStore(file, nativeBinding);
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- sync position and progress -------------------------------------------------------------
  getState(key: SyncStateKey): string | null {
    return (this.stmts.getState.get(key) as { value: string } | undefined)?.value ?? null;
  }
  setState(key: SyncStateKey, value: string): void {
    this.stmts.setState.run(key, value);
  }

  // ---- chats ---------------------------------------------------------------------------------
  upsertChats(chats: readonly ChatSummary[]): void {
    for (const chat of chats) {
      this.stmts.upsertChat.run(chatToRow(chat));
      const first = firstVersionCopy(chat);
      if (first) this.stmts.upsertChatKey.run(first);
    }
  }
  /** This user's copy of one version of a chat's key (see migration 5 for which versions are here). */
  chatKeyCopy(chatId: string, keyVersion: number): ChatKeyRow | null {
    return (this.stmts.getChatKey.get(chatId, keyVersion) as ChatKeyRow | undefined) ?? null;
  }
  /** The versions of a chat's key this store holds a copy of. */
  chatKeyVersions(chatId: string): number[] {
    return (
      this.db.prepare('SELECT key_version FROM chat_keys WHERE chat_id = ? ORDER BY key_version').all(chatId) as Array<{
        key_version: number;
      }>
    ).map((r) => r.key_version);
  }
  /**
   * A copy of version >= 2 whose key matched the chat's verified membership statements, re-wrapped under
   * the master key by this desktop (core/groups/key-verification.ts). Only that code calls this.
   */
  putVerifiedChatKey(chatId: string, keyVersion: number, wrappedChatKey: string): void {
    this.db
      .prepare(
        `INSERT INTO chat_keys (chat_id, key_version, wrapped_chat_key, sealed_chat_key) VALUES (?, ?, ?, NULL)
         ON CONFLICT(chat_id, key_version) DO UPDATE SET wrapped_chat_key = excluded.wrapped_chat_key, sealed_chat_key = NULL`,
      )
      .run(chatId, keyVersion, wrappedChatKey);
  }
  /**
   * This user is no longer in the chat (left, removed: `chat:removed`): the chat, its messages, keys,
   * draft and unsent messages leave this store. Returns whether it was here.
   */
  removeChat(chatId: string): boolean {
    return this.transaction(() => {
      const had = this.hasChat(chatId);
      this.db.prepare('DELETE FROM messages WHERE chat_id = ?').run(chatId);
      this.db.prepare('DELETE FROM chat_keys WHERE chat_id = ?').run(chatId);
      this.db.prepare('DELETE FROM outbox WHERE chat_id = ?').run(chatId);
      this.fileOutbox.removeChat(chatId);
      this.db.prepare('DELETE FROM drafts WHERE chat_id = ?').run(chatId);
      this.db.prepare('DELETE FROM chats WHERE id = ?').run(chatId);
      return had;
    });
  }
  hasChat(chatId: string): boolean {
    return this.stmts.chatExists.get(chatId) !== undefined;
  }
  markHistoryComplete(chatIds: readonly string[]): void {
    for (const id of chatIds) this.stmts.markComplete.run(id);
  }
  listChats(): ChatRow[] {
    return this.db.prepare('SELECT * FROM chats ORDER BY updated_at DESC, id').all() as ChatRow[];
  }
  getChat(chatId: string): ChatRow | null {
    return (this.db.prepare('SELECT * FROM chats WHERE id = ?').get(chatId) as ChatRow | undefined) ?? null;
  }
  setPinned(chatId: string, pinned: boolean): void {
    this.db.prepare('UPDATE chats SET pinned = ? WHERE id = ?').run(pinned ? 1 : 0, chatId);
  }

  // ---- messages ------------------------------------------------------------------------------
  /** Inserts new messages (ignores ones already stored, but moves their status forward). Returns the new ones. */
  putMessages(messages: ReadonlyArray<MessageRecord>): MessageRecord[] {
    const inserted: MessageRecord[] = [];
    // Chat totals are updated once per chat per call, not once per message (a history batch is 500
    // messages of usually one chat): half the statements of the sync's hottest loop.
    const perChat = new Map<string, { bytes: number; latest: string }>();
    for (const message of messages) {
      // Deleted for me with its chat (a replay, a fresh sync, an older page): not stored again.
      if (this.purge.hides(message.chatId, message.createdAt)) continue;
      const size = message.ciphertext.length;
      if (this.insertMessage(message, message.status, size)) {
        const chat = perChat.get(message.chatId);
        if (!chat) perChat.set(message.chatId, { bytes: size, latest: message.createdAt });
        else {
          chat.bytes += size;
          if (message.createdAt > chat.latest) chat.latest = message.createdAt;
        }
        inserted.push(message);
        if (message.edit || message.deletedAt) this.applyMessageActions(message);
        if (message.deliveredTo?.length || message.readBy?.length)
          this.putReceipts(message.chatId, message.messageId, message);
      } else {
        if (message.deliveredTo?.length || message.readBy?.length)
          this.putReceipts(message.chatId, message.messageId, message);
        if (message.edit || message.deletedAt) this.applyMessageActions(message);
        this.stmts.confirmMessage.run({
          chat_id: message.chatId,
          id: message.messageId,
          created_at: message.createdAt,
          status: message.status,
        });
      }
    }
    for (const [chatId, { bytes, latest }] of perChat) this.stmts.addChatBytes.run(bytes, latest, chatId);
    return inserted;
  }
  putQueuedMessage(message: Omit<MessageRecord, 'status'>): void {
    const size = message.ciphertext.length;
    if (this.insertMessage(message, 'queued', size))
      this.stmts.addChatBytes.run(size, message.createdAt, message.chatId);
  }
  /** One row (columns as `MessageRow`), unless its id is stored already. */
  private insertMessage(m: Omit<MessageRecord, 'status'>, status: LocalMessageStatus, size: number): boolean {
    return (
      this.stmts.insertMessage.run(
        m.messageId,
        m.chatId,
        m.senderUserId,
        m.senderDeviceId,
        m.clientKey,
        m.ciphertext,
        status,
        m.createdAt,
        size,
        m.keyVersion ?? 1,
      ).changes === 1
    );
  }
  // ---- message actions (docs/MESSAGES.md) ----------------------------------------------------
  /** What a record says beyond its body: its latest edit, its tombstone. */
  private applyMessageActions(m: MessageRecord): void {
    if (m.deletedAt) this.deleteMessageContent(m.chatId, m.messageId, m.deletedAt);
    else if (m.edit) this.putMessageEdit(m.chatId, m.messageId, m.edit);
  }
  /** Keeps the newest edit only: an older or replayed version changes nothing; a deleted message takes none. */
  putMessageEdit(chatId: string, messageId: string, edit: MessageEditRecord): boolean {
    return (
      this.db
        .prepare(
          `UPDATE messages SET edit = ? WHERE chat_id = ? AND id = ? AND deleted_at IS NULL
             AND COALESCE(json_extract(edit, '$.version'), 0) < ?`,
        )
        .run(JSON.stringify(edit), chatId, messageId, edit.version).changes === 1
    );
  }
  /** Delete for everyone: the body and the edit leave this store; the row stays as a tombstone. */
  deleteMessageContent(chatId: string, messageId: string, deletedAt: string): boolean {
    const row = this.getMessage(chatId, messageId);
    if (!row || row.deleted_at !== null) return false;
    this.db
      .prepare(
        `UPDATE messages SET ciphertext = '', edit = NULL, size = 0, deleted_at = ? WHERE chat_id = ? AND id = ?`,
      )
      .run(deletedAt, chatId, messageId);
    this.db.prepare('UPDATE chats SET bytes = MAX(0, bytes - ?) WHERE id = ?').run(row.size, chatId);
    return true;
  }
  /** Delete for me: the row leaves this store (the server no longer sends it to this user's devices). */
  removeMessage(chatId: string, messageId: string): boolean {
    const row = this.getMessage(chatId, messageId);
    if (!row) return false;
    this.db.prepare('DELETE FROM messages WHERE chat_id = ? AND id = ?').run(chatId, messageId);
    this.db.prepare('UPDATE chats SET bytes = MAX(0, bytes - ?) WHERE id = ?').run(row.size, chatId);
    return true;
  }

  /**
   * Per-recipient receipts on one of this account's messages (docs/MESSAGES.md), merged into what is stored
   * (they only grow). Returns whether anything changed.
   */
  putReceipts(
    chatId: string,
    messageId: string,
    incoming: { deliveredTo?: StoredReceipts['deliveredTo']; readBy?: StoredReceipts['readBy'] },
  ): boolean {
    const row = this.getMessage(chatId, messageId);
    if (!row) return false;
    const stored = row.receipts === null ? null : (JSON.parse(row.receipts) as StoredReceipts);
    const merged = JSON.stringify(mergeReceipts(stored, incoming));
    if (merged === row.receipts) return false;
    this.db.prepare('UPDATE messages SET receipts = ? WHERE chat_id = ? AND id = ?').run(merged, chatId, messageId);
    return true;
  }

  /** Moves a message's status forward only (a late or replayed lower status changes nothing). */
  setMessageStatus(chatId: string, messageId: string, status: LocalMessageStatus): boolean {
    return this.stmts.setStatus.run({ chat_id: chatId, id: messageId, status }).changes === 1;
  }
  /** Newest last. `before` pages back by (created_at, id). */
  listMessages(chatId: string, limit: number, before?: { createdAt: string; id: string }): MessageRow[] {
    const rows = before
      ? this.db
          .prepare(
            'SELECT * FROM messages WHERE chat_id = ? AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?',
          )
          .all(chatId, before.createdAt, before.createdAt, before.id, limit)
      : this.db
          .prepare('SELECT * FROM messages WHERE chat_id = ? ORDER BY created_at DESC, id DESC LIMIT ?')
          .all(chatId, limit);
    return (rows as MessageRow[]).reverse();
  }
  /**
   * The oldest message of a chat the server knows (not one still queued here): where paging the server's
   * history back continues from (docs/SYNC.md "History beyond the synced set").
   */
  oldestServerMessage(chatId: string): MessageRow | null {
    return (
      (this.db
        .prepare(
          `SELECT * FROM messages WHERE chat_id = ? AND status <> 'queued' AND id NOT IN (SELECT message_id FROM outbox)
             ORDER BY created_at ASC, id ASC LIMIT 1`,
        )
        .get(chatId) as MessageRow | undefined) ?? null
    );
  }
  /** Messages are keyed by (chat, id): see migration 2 in migrations.ts. */
  getMessage(chatId: string, messageId: string): MessageRow | null {
    return (
      (this.db.prepare('SELECT * FROM messages WHERE chat_id = ? AND id = ?').get(chatId, messageId) as
        MessageRow | undefined) ?? null
    );
  }
  /** Messages stored per chat (the search index compares its own counts with these after a restart). */
  messageCounts(): Map<string, number> {
    const rows = this.db
      .prepare('SELECT chat_id AS chatId, COUNT(*) AS n FROM messages GROUP BY chat_id')
      .all() as Array<{
      chatId: string;
      n: number;
    }>;
    return new Map(rows.map((r) => [r.chatId, r.n]));
  }
  allMessageIds(): string[] {
    return (this.db.prepare('SELECT id FROM messages ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
  }

  // ---- drafts --------------------------------------------------------------------------------
  /**
   * Applies a draft from the server unless the local one wins over it (compareDrafts: the higher version,
   * then the greater device id — the rule the server uses, so both keep the same one). The server's copy
   * of our own pending edit confirms it (pending → 0). A pending local edit that loses is dropped: the
   * server would refuse it anyway. Returns whether the stored draft changed.
   */
  putDraft(draft: DraftRecord): boolean {
    return this.transaction(() => {
      const local = this.getDraft(draft.chatId);
      const order = local
        ? compareDrafts(draft, { version: local.version, updatedByDevice: local.updated_by_device })
        : 1;
      if (order < 0) return false;
      if (order === 0 && local && local.pending === 0 && local.ciphertext === draft.ciphertext) return false;
      this.stmts.writeDraft.run(draftToRow(draft, false));
      return order > 0 || local?.ciphertext !== draft.ciphertext;
    });
  }
  /**
   * A local edit: stored encrypted at (local version + 1) by this device, pending until the server has it.
   * The local row always holds the highest version this device has seen, so +1 wins over everything it
   * has seen (the version is a Lamport clock).
   */
  saveLocalDraft(chatId: string, ciphertext: string | null, deviceId: string): DraftRow {
    return this.transaction(() => {
      const row: DraftRow = {
        chat_id: chatId,
        ciphertext,
        version: (this.getDraft(chatId)?.version ?? 0) + 1,
        updated_by_device: deviceId,
        updated_at: new Date().toISOString(),
        pending: 1,
      };
      this.stmts.writeDraft.run(row);
      return row;
    });
  }
  /** A local edit the server refused for good (too long for this server, chat gone): stop retrying it. */
  abandonDraft(chatId: string, version: number): void {
    this.db.prepare('UPDATE drafts SET pending = 0 WHERE chat_id = ? AND version = ?').run(chatId, version);
  }
  getDraft(chatId: string): DraftRow | null {
    return (this.stmts.getDraft.get(chatId) as DraftRow | undefined) ?? null;
  }
  listPendingDrafts(): DraftRow[] {
    return this.db.prepare('SELECT * FROM drafts WHERE pending = 1 ORDER BY updated_at, chat_id').all() as DraftRow[];
  }
  /** Chats with a (non-deleted) draft: the chat list's draft markers. */
  chatsWithDrafts(): string[] {
    return (
      this.db.prepare('SELECT chat_id FROM drafts WHERE ciphertext IS NOT NULL ORDER BY chat_id').all() as Array<{
        chat_id: string;
      }>
    ).map((r) => r.chat_id);
  }

  // ---- outbox --------------------------------------------------------------------------------
  enqueueOutbox(item: Omit<OutboxRow, 'attempts' | 'last_error' | 'key_version'> & { key_version?: number }): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO outbox (message_id, chat_id, client_key, ciphertext, created_at, key_version) VALUES (@message_id, @chat_id, @client_key, @ciphertext, @created_at, @key_version)',
      )
      .run({ ...item, key_version: item.key_version ?? 1 });
  }
  listOutbox(): OutboxRow[] {
    return this.db.prepare('SELECT * FROM outbox ORDER BY created_at, message_id').all() as OutboxRow[];
  }
  removeOutbox(messageId: string): void {
    this.db.prepare('DELETE FROM outbox WHERE message_id = ?').run(messageId);
  }
  failOutbox(messageId: string, error: string): void {
    this.db
      .prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE message_id = ?')
      .run(error, messageId);
  }
  /**
   * A queued message sealed again under a newer key version (core/groups/stale-key-resend.ts): the outbox
   * row and the shown message change together, keeping the message id and client key.
   */
  moveQueuedToKey(messageId: string, ciphertext: string, keyVersion: number): void {
    this.transaction(() => {
      this.db
        .prepare('UPDATE outbox SET ciphertext = ?, key_version = ?, last_error = NULL WHERE message_id = ?')
        .run(ciphertext, keyVersion, messageId);
      this.db
        .prepare("UPDATE messages SET ciphertext = ?, key_version = ? WHERE id = ? AND status = 'queued'")
        .run(ciphertext, keyVersion, messageId);
    });
  }
  requeueOutbox(messageId: string): void {
    this.db.prepare('UPDATE outbox SET last_error = NULL WHERE message_id = ?').run(messageId);
  }

  // ---- budget --------------------------------------------------------------------------------
  stats(budget: StorageBudget): StorageStats {
    const row = this.db
      .prepare(
        'SELECT (SELECT COUNT(*) FROM chats) AS chats, (SELECT COUNT(*) FROM messages) AS messages, (SELECT COALESCE(SUM(bytes), 0) FROM chats) AS bytes',
      )
      .get() as { chats: number; messages: number; bytes: number };
    return { ...row, budget };
  }

  /**
   * Evicts the least recently updated chats (never a protected one: open or pinned, nor one with unsent
   * messages or an unsent draft) until the store fits the budget. Returns the evicted chat ids.
   */
  enforceBudget(budget: StorageBudget, protectedIds: ReadonlySet<string>): string[] {
    const evicted: string[] = [];
    // Runs after every applied batch: the common "fits" case is one read of the (small) chats table —
    // counting the messages table here made a full sync quadratic in the number of messages.
    let { chats, bytes } = this.stmts.usage.get() as { chats: number; bytes: number };
    if (chats <= budget.maxChats && bytes <= budget.maxBytes) return evicted;
    const candidates = this.db
      .prepare(
        `SELECT id FROM chats WHERE pinned = 0 AND id NOT IN (SELECT chat_id FROM outbox)
           AND id NOT IN (SELECT chat_id FROM file_outbox)
           AND id NOT IN (SELECT chat_id FROM drafts WHERE pending = 1) ORDER BY updated_at ASC, id DESC`,
      )
      .all() as Array<{ id: string }>;
    for (const { id } of candidates) {
      if (chats <= budget.maxChats && bytes <= budget.maxBytes) break;
      if (protectedIds.has(id)) continue;
      const chat = this.getChat(id)!;
      this.db.prepare('DELETE FROM messages WHERE chat_id = ?').run(id);
      this.db.prepare('DELETE FROM chat_keys WHERE chat_id = ?').run(id);
      // The chat's draft row stays (a few hundred bytes of ciphertext): it is this desktop's memory of the
      // newest draft version, and the conflict rule needs it if the chat comes back — without it an edit
      // would start again at version 1, be refused as stale, and the typed text replaced by the server's.
      this.db.prepare('DELETE FROM chats WHERE id = ?').run(id);
      chats -= 1;
      bytes -= chat.bytes;
      evicted.push(id);
    }
    return evicted;
  }

  /** SQLite's own checks, integrity and foreign keys: empty when the file is sound. */
  problems(): string[] {
    const integrity = String(this.db.pragma('integrity_check', { simple: true }));
    const dangling = this.db.pragma('foreign_key_check') as unknown[];
    return [
      ...(integrity === 'ok' ? [] : [integrity]),
      ...dangling.map((row) => `foreign key: ${JSON.stringify(row)}`),
    ];
  }

  /** Caps the file at its size now plus `pages` (null lifts the cap): how tests fill the disk. */
  capGrowth(pages: number | null): void {
    const now = Number(this.db.pragma('page_count', { simple: true }));
    this.db.pragma(`max_page_count = ${pages === null ? 1_073_741_823 : now + Math.max(0, Math.trunc(pages))}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * The chats whose history this store holds whole, most recently active first: each with the server time
   * `windowMs` before its newest message, and the newest ids it holds from then on (at most `maxExcept`).
   * Listing fewer ids than it holds only makes the server re-send some; the window covers messages
   * committed out of time order.
   */
  heldHistory(windowMs: number, maxExcept: number, maxChats: number): HeldChat[] {
    const chats = this.db
      .prepare(
        `SELECT c.id AS chat_id, MAX(m.created_at) AS newest FROM chats c
           JOIN messages m ON m.chat_id = c.id AND m.status <> 'queued'
          WHERE c.history_complete = 1 GROUP BY c.id ORDER BY newest DESC LIMIT ?`,
      )
      .all(maxChats) as Array<{ chat_id: string; newest: string }>;
    const ids = this.db.prepare(
      `SELECT id FROM messages WHERE chat_id = ? AND status <> 'queued' AND created_at >= ?
        ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    const held: HeldChat[] = [];
    for (const chat of chats) {
      const newest = Date.parse(chat.newest);
      if (!Number.isFinite(newest)) continue;
      const since = Math.max(0, newest - windowMs);
      const except = (ids.all(chat.chat_id, new Date(since).toISOString(), maxExcept) as Array<{ id: string }>).map(
        (row) => row.id,
      );
      held.push({ chatId: chat.chat_id, since, except });
    }
    return held;
  }

  /** Anything of an account here: a chat, a draft, a queued message, or a sync position. */
  holdsAnything(): boolean {
    const row = this.db
      .prepare(
        `SELECT EXISTS(SELECT 1 FROM chats) OR EXISTS(SELECT 1 FROM drafts) OR EXISTS(SELECT 1 FROM outbox)
           OR EXISTS(SELECT 1 FROM file_outbox)
           OR EXISTS(SELECT 1 FROM sync_state WHERE key IN ('last_event_id', 'cursor') AND value <> '') AS held`,
      )
      .get() as { held: number };
    return row.held === 1;
  }

  /** Logout / unlink: the database and its WAL are deleted from disk. */
  wipe(): void {
    this.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) {
      if (existsSync(this.file + suffix)) rmSync(this.file + suffix, { force: true });
    }
  }
}

export type SyncStateKey =
  | 'last_event_id'
  | 'cursor'
  | 'progress'
  | 'snapshot_seq'
  | 'plan'
  | 'last_opened_chat_id'
  | 'attachment_auto_download_bytes'
  /** The account this store belongs to (relink/store-account.ts: a keyed hash of its master key). */
  | 'account'
  /** What a relinked store holds (HeldHistory JSON), sent with every stream request until the sync is primed. */
  | 'held_history'
  /** The first sync's durations from the approval (sync/first-sync-times.ts). */
  | 'first_sync'
  /** Per chat deleted for me, the deletion time its messages were purged through (settings/chat-deletes.ts). */
  | 'chat_deletes_purged';

export type { ChatKeyRow, ChatRow, DraftRow, MessageRow, OutboxRow };
