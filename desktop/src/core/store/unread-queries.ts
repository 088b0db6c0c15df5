import type Database from 'better-sqlite3';

/**
 * Unread = messages from someone else this account has not marked read. The counts keep the condition
 * `status <> 'read'` of the partial index `messages_unread` (local migration 3), which holds only unread
 * messages: a chat list refresh must not read the whole store. One chat's ids are searched within the chat.
 * migrations.test.ts checks the plans of exactly these statements.
 */
export const UNREAD_COUNTS_SQL = `SELECT chat_id, COUNT(*) AS n FROM messages WHERE sender_user_id <> ? AND status <> 'read' GROUP BY chat_id`;
export const UNREAD_IDS_SQL = `SELECT id FROM messages WHERE chat_id = ? AND sender_user_id <> ? AND status <> 'read' ORDER BY created_at, id`;

/** The store's unread queries (`LocalStore.unread`). */
export class UnreadQueries {
  private readonly countsStatement: Database.Statement<[string], { chat_id: string; n: number }>;
  private readonly idsStatement: Database.Statement<[string, string], { id: string }>;
  private readonly throughStatement: Database.Statement<[string, string, string, string, string]>;

  constructor(db: Database.Database) {
    this.countsStatement = db.prepare(UNREAD_COUNTS_SQL);
    this.idsStatement = db.prepare(UNREAD_IDS_SQL);
    this.throughStatement = db.prepare(
      `UPDATE messages SET status = 'read' WHERE chat_id = ? AND sender_user_id <> ? AND status <> 'read'
         AND status <> 'queued' AND (created_at < ? OR (created_at = ? AND id <= ?))`,
    );
  }

  /** Per chat, the messages `userId` has not read (chats with none are absent). */
  counts(userId: string): Map<string, number> {
    return new Map(this.countsStatement.all(userId).map((r) => [r.chat_id, r.n]));
  }

  /**
   * Marks read the chat's messages from others at or before (`createdAt`, `id`) — where the user's read
   * marker from another of their devices stands (docs/MESSAGES.md). Returns how many changed.
   */
  markReadThrough(chatId: string, userId: string, through: { createdAt: string; id: string }): number {
    return this.throughStatement.run(chatId, userId, through.createdAt, through.createdAt, through.id).changes;
  }

  /** A chat's messages `userId` has not read, oldest first. */
  messageIds(chatId: string, userId: string): string[] {
    return this.idsStatement.all(chatId, userId).map((r) => r.id);
  }
}
