import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { preparePrivateDatabaseFile } from '../store/private-file';
import { MARK_END, MARK_START, snippetOfRanges, unmark } from './snippet';

export type SearchKind = 'chat' | 'message' | 'draft';

export interface SearchHit {
  readonly kind: SearchKind;
  readonly chatId: string;
  readonly messageId: string | null;
  readonly chatTitle: string;
  readonly snippet: string;
  readonly highlights: Array<[number, number]>;
  readonly sentAt: number | null;
  /** The author the server named for a message hit (its name and signature are checked when it is shown). */
  readonly senderUserId: string | null;
  readonly score: number;
}

export interface IndexedMessage {
  readonly messageId: string;
  readonly chatId: string;
  /** Empty for a message that has no text (or could not be decrypted): recorded as seen, not searchable. */
  readonly text: string;
  readonly sentAt: number;
  readonly senderUserId: string;
}

/** The small incremental API other features call (message edits, deletes, attachment names). */
export interface MessageIndex {
  /** Adds or replaces messages by id. */
  putMessages(messages: readonly IndexedMessage[]): void;
  /** A deleted message leaves the index. */
  removeMessage(messageId: string): void;
}

const SCHEMA_VERSION = 1;
const MARKERS = new RegExp(`[${MARK_START}${MARK_END}]`, 'g');
const KEY_BYTES = 32;

/**
 * Full-text search over decrypted chat titles, messages and drafts, kept on disk in its own SQLite database
 * whose every page (and WAL frame) is encrypted (SQLCipher format, better-sqlite3-multiple-ciphers) under a
 * 256-bit key that lives in the OS keychain (the KeyVault's 'database-key'). FTS5 gives prefix matching
 * (`word*`), all-words queries (implicit AND) and ranking (bm25); nothing of it lives in the JS heap, and it is
 * ready as soon as the file opens after a restart.
 *
 * Invariants:
 * - Plaintext never reaches the disk unencrypted: temp_store is MEMORY (FTS5 merges and sorts would otherwise
 *   spill to unencrypted temp files), and the WAL is encrypted like the main file.
 * - The index is derived data: a file it cannot open (wrong or lost key, damage) is deleted and rebuilt from the
 *   store, which keeps the per-row envelopes as before.
 * - Every message the feeder has seen has a row in `docs` (text or not), so a restart can tell which chats the
 *   index is behind on by counting, and catch up on those only.
 */
export class EncryptedSearchIndex implements MessageIndex {
  /** better-sqlite3-multiple-ciphers addon for this runtime (Electron in development); null: the package's own. */
  static nativeBinding: string | null = null;

  private readonly db: Database.Database;
  private readonly stmts;

  private constructor(
    readonly file: string,
    key: Uint8Array,
  ) {
    preparePrivateDatabaseFile(file);
    const native = EncryptedSearchIndex.nativeBinding;
    this.db = new Database(file, native === null ? {} : { nativeBinding: native });
    try {
      this.db.pragma("cipher = 'sqlcipher'");
      this.db.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
      this.db.pragma('temp_store = MEMORY');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.migrate();
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.stmts = {
      docRowid: this.db.prepare('SELECT rowid FROM docs WHERE doc_id = ?').pluck(),
      insertDoc: this.db.prepare(
        'INSERT INTO docs (doc_id, kind, chat_id, message_id, sender_user_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      deleteDoc: this.db.prepare('DELETE FROM docs WHERE rowid = ?'),
      insertText: this.db.prepare('INSERT INTO fts (rowid, text) VALUES (?, ?)'),
      deleteText: this.db.prepare('DELETE FROM fts WHERE rowid = ?'),
      chatDocRowids: this.db.prepare('SELECT rowid FROM docs WHERE chat_id = ?').pluck(),
      deleteChatDocs: this.db.prepare('DELETE FROM docs WHERE chat_id = ?'),
      setTitle: this.db.prepare(
        'INSERT INTO chats (chat_id, title) VALUES (?, ?) ON CONFLICT(chat_id) DO UPDATE SET title = excluded.title',
      ),
      deleteChat: this.db.prepare('DELETE FROM chats WHERE chat_id = ?'),
      chatIds: this.db.prepare('SELECT chat_id FROM chats').pluck(),
      messageCounts: this.db.prepare(
        "SELECT chat_id AS chatId, COUNT(*) AS n FROM docs WHERE kind = 'message' GROUP BY chat_id",
      ),
      getState: this.db.prepare('SELECT value FROM state WHERE key = ?').pluck(),
      setState: this.db.prepare(
        'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      search: this.db.prepare(`
        SELECT d.kind, d.chat_id AS chatId, d.message_id AS messageId, d.sent_at AS sentAt,
               d.sender_user_id AS senderUserId, highlight(fts, 0, char(1), char(2)) AS marked, fts.rank AS rank, COALESCE(c.title, '') AS title
        FROM fts JOIN docs d ON d.rowid = fts.rowid LEFT JOIN chats c ON c.chat_id = d.chat_id
        WHERE fts MATCH ? ORDER BY fts.rank LIMIT ?`),
    };
  }

  /**
   * Opens the index at `file` with the key in the vault (made and stored there on first use). A file that does
   * not open with that key — the key is gone, or the file is damaged — is deleted and an empty index made.
   */
  static open(file: string, key: Uint8Array): EncryptedSearchIndex {
    if (key.length !== KEY_BYTES) throw new Error(`The search index key must be ${KEY_BYTES} bytes.`);
    try {
      return new EncryptedSearchIndex(file, key);
    } catch {
      EncryptedSearchIndex.deleteFiles(file);
      return new EncryptedSearchIndex(file, key);
    }
  }

  static readonly KEY_BYTES = KEY_BYTES;

  /** The database and its WAL and shared-memory files. */
  static deleteFiles(file: string): void {
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) if (existsSync(f)) rmSync(f);
  }

  private migrate(): void {
    // Reading the schema is the first access to a page: with a wrong key it throws SQLITE_NOTADB here.
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version !== 0) throw new Error(`Unknown search index version ${version}`);
    this.db.exec(`
      CREATE TABLE docs (
        rowid INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        message_id TEXT,
        sender_user_id TEXT,
        sent_at INTEGER
      );
      CREATE INDEX docs_chat ON docs (chat_id);
      CREATE TABLE chats (chat_id TEXT PRIMARY KEY, title TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE VIRTUAL TABLE fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  // ---- writes ---------------------------------------------------------------------------------

  setChat(chatId: string, title: string): void {
    this.db.transaction(() => {
      this.stmts.setTitle.run(chatId, title);
      this.put(`chat:${chatId}`, 'chat', chatId, null, null, null, title);
    })();
  }

  putMessages(messages: readonly IndexedMessage[]): void {
    if (messages.length === 0) return;
    this.db.transaction(() => {
      for (const m of messages)
        this.put(`message:${m.messageId}`, 'message', m.chatId, m.messageId, m.senderUserId, m.sentAt, m.text);
    })();
  }

  removeMessage(messageId: string): void {
    this.db.transaction(() => this.remove(`message:${messageId}`))();
  }

  /** An empty or null draft removes it. */
  setDraft(chatId: string, text: string | null): void {
    this.db.transaction(() => {
      if (text === null || text.trim() === '') this.remove(`draft:${chatId}`);
      else this.put(`draft:${chatId}`, 'draft', chatId, null, null, null, text);
    })();
  }

  /** Evicted or gone: the chat, its messages and its draft leave the index. */
  removeChat(chatId: string): void {
    this.db.transaction(() => {
      for (const rowid of this.stmts.chatDocRowids.all(chatId)) this.stmts.deleteText.run(rowid);
      this.stmts.deleteChatDocs.run(chatId);
      this.stmts.deleteChat.run(chatId);
    })();
  }

  private put(
    docId: string,
    kind: SearchKind,
    chatId: string,
    messageId: string | null,
    senderUserId: string | null,
    sentAt: number | null,
    text: string,
  ): void {
    this.remove(docId);
    const { lastInsertRowid } = this.stmts.insertDoc.run(docId, kind, chatId, messageId, senderUserId, sentAt);
    // The highlight markers never occur in indexed text, so a hit's ranges are exact.
    if (text.trim() !== '') this.stmts.insertText.run(lastInsertRowid, text.replaceAll(MARKERS, ' '));
  }

  private remove(docId: string): void {
    const rowid = this.stmts.docRowid.get(docId) as number | bigint | undefined;
    if (rowid === undefined) return;
    this.stmts.deleteText.run(rowid);
    this.stmts.deleteDoc.run(rowid);
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Chats whose title (and so whose messages) the index holds. */
  indexedChats(): string[] {
    return this.stmts.chatIds.all() as string[];
  }

  /** Messages recorded per chat (with or without text): compared with the store after a restart. */
  messageCounts(): Map<string, number> {
    const rows = this.stmts.messageCounts.all() as Array<{ chatId: string; n: number }>;
    return new Map(rows.map((r) => [r.chatId, r.n]));
  }

  /** Whether a full build finished once (the feeder then only catches up). */
  get built(): boolean {
    return this.stmts.getState.get('built') === '1';
  }

  markBuilt(): void {
    this.stmts.setState.run('built', '1');
  }

  get size(): number {
    return this.db.prepare('SELECT COUNT(*) FROM fts').pluck().get() as number;
  }

  // ---- queries --------------------------------------------------------------------------------

  /** Every word of the query must match the start of a word (prefix); best matches first (bm25). */
  search(query: string, limit = 50): SearchHit[] {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const match = words.map((w) => `"${w}"*`).join(' ');
    const rows = this.stmts.search.all(match, limit) as Array<{
      kind: SearchKind;
      chatId: string;
      messageId: string | null;
      sentAt: number | null;
      senderUserId: string | null;
      marked: string;
      rank: number;
      title: string;
    }>;
    return rows.map((row) => {
      const { text, ranges } = unmark(row.marked);
      const { snippet, highlights } = snippetOfRanges(text, ranges);
      return {
        kind: row.kind,
        chatId: row.chatId,
        messageId: row.messageId,
        chatTitle: row.title === '' ? 'Encrypted chat' : row.title,
        snippet,
        highlights,
        sentAt: row.sentAt,
        senderUserId: row.senderUserId,
        score: -row.rank,
      };
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Logout / unlink: the index's files are deleted. */
  wipe(): void {
    this.close();
    EncryptedSearchIndex.deleteFiles(this.file);
  }
}

/** The query's words as FTS5 sees them (letters and digits), lowercased; quotes and operators are dropped. */
export function queryWords(query: string): string[] {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 16);
}
