import type Database from 'better-sqlite3';

/**
 * "Delete chat for me" on this desktop's store (docs/MESSAGES.md "Delete chat for me"): the chat's messages
 * up to the deletion leave the store for good, and none of them is stored again — not by the live stream,
 * a fresh sync's history or paging older history from the server. The chat row, its keys and its draft row
 * (the draft's version, not its text) stay: a message after the deletion brings the chat back, readable,
 * as on the phone. `LocalStore.purge`; the store asks `hides` before inserting a message.
 */
export class ChatPurge {
  /** Chat id → deletion time (ms, the server's time of the newest message the deleting device held). */
  private deleted: ReadonlyMap<string, number> = new Map();

  constructor(private readonly db: Database.Database) {}

  /** The deletions the user's settings hold now (every chat deleted for me, with its time). */
  setDeleted(deleted: ReadonlyMap<string, number>): void {
    this.deleted = deleted;
  }

  /** A message of a chat deleted for me, written at or before the deletion: it is never stored. */
  hides(chatId: string, createdAt: string): boolean {
    const cut = this.deleted.get(chatId);
    return cut !== undefined && Date.parse(createdAt) <= cut;
  }

  /**
   * Removes the chat's messages written at or before `deletedAtMs` (not those still in the outbox: they are
   * sent and come back after the deletion) and takes their bytes off the chat. Returns their ids.
   *
   * The rows' bytes must not linger in the file either: `secure_delete` zeroes what the delete frees, and a
   * truncating checkpoint ends the WAL, whose older frames still hold the rows as they were inserted. Both
   * only here: a purge is rare, while zeroing on every write of the sync would cost it I/O.
   */
  purgeThrough(chatId: string, deletedAtMs: number): string[] {
    const rows = this.db
      .prepare(
        `SELECT id, created_at, size FROM messages WHERE chat_id = ?
           AND id NOT IN (SELECT message_id FROM outbox WHERE chat_id = ?)`,
      )
      .all(chatId, chatId) as Array<{ id: string; created_at: string; size: number }>;
    const gone = rows.filter((row) => Date.parse(row.created_at) <= deletedAtMs);
    if (gone.length === 0) return [];
    this.db.pragma('secure_delete = ON');
    try {
      this.db.transaction(() => {
        const remove = this.db.prepare('DELETE FROM messages WHERE chat_id = ? AND id = ?');
        for (const row of gone) remove.run(chatId, row.id);
        const bytes = gone.reduce((sum, row) => sum + row.size, 0);
        this.db.prepare('UPDATE chats SET bytes = MAX(0, bytes - ?) WHERE id = ?').run(bytes, chatId);
      })();
    } finally {
      this.db.pragma('secure_delete = OFF');
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return gone.map((row) => row.id);
  }
}
