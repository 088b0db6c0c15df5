import type Database from 'better-sqlite3';
import { z } from 'zod';

/** One blob of a waiting file message: its id, sealed length, tus upload URL (once created) and whether it is up. */
export const PendingBlob = z.object({
  id: z.string(),
  blobBytes: z.number().int().min(0),
  uploadUrl: z.string().nullable(),
  uploaded: z.boolean(),
});
export type PendingBlob = z.infer<typeof PendingBlob>;

/** A file message waiting to be sent (migration 7). Ciphertext and blob ids only, as every store column. */
export interface FileOutboxRow {
  readonly messageId: string;
  readonly chatId: string;
  readonly clientKey: string;
  readonly ciphertext: string;
  readonly keyVersion: number;
  readonly createdAt: string;
  readonly files: readonly PendingBlob[];
  readonly lastError: string | null;
}

interface RawRow {
  message_id: string;
  chat_id: string;
  client_key: string;
  ciphertext: string;
  key_version: number;
  created_at: string;
  files: string;
  last_error: string | null;
}

function fromRaw(raw: RawRow): FileOutboxRow {
  return {
    messageId: raw.message_id,
    chatId: raw.chat_id,
    clientKey: raw.client_key,
    ciphertext: raw.ciphertext,
    keyVersion: raw.key_version,
    createdAt: raw.created_at,
    files: z.array(PendingBlob).parse(JSON.parse(raw.files)),
    lastError: raw.last_error,
  };
}

/** The store's `file_outbox` table (`LocalStore.fileOutbox`); its only user is core/attachments/file-outbox.ts. */
export class FileOutboxTable {
  constructor(private readonly db: Database.Database) {}

  put(row: Omit<FileOutboxRow, 'lastError'>): void {
    this.db
      .prepare(
        `INSERT INTO file_outbox (message_id, chat_id, client_key, ciphertext, key_version, created_at, files)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.messageId,
        row.chatId,
        row.clientKey,
        row.ciphertext,
        row.keyVersion,
        row.createdAt,
        JSON.stringify(row.files),
      );
  }

  /** Oldest first: file messages go out in the order they were written. */
  list(): FileOutboxRow[] {
    return (this.db.prepare('SELECT * FROM file_outbox ORDER BY created_at, message_id').all() as RawRow[]).map(
      fromRaw,
    );
  }

  get(messageId: string): FileOutboxRow | null {
    const raw = this.db.prepare('SELECT * FROM file_outbox WHERE message_id = ?').get(messageId) as RawRow | undefined;
    return raw ? fromRaw(raw) : null;
  }

  setFiles(messageId: string, files: readonly PendingBlob[]): void {
    this.db.prepare('UPDATE file_outbox SET files = ? WHERE message_id = ?').run(JSON.stringify(files), messageId);
  }

  /** The body re-encrypted under a newer key version of its chat (a rotation came between queueing and sending). */
  setBody(messageId: string, ciphertext: string, keyVersion: number): void {
    this.db
      .prepare('UPDATE file_outbox SET ciphertext = ?, key_version = ? WHERE message_id = ?')
      .run(ciphertext, keyVersion, messageId);
  }

  /** null: waiting again (the user's retry). */
  setError(messageId: string, error: string | null): void {
    this.db.prepare('UPDATE file_outbox SET last_error = ? WHERE message_id = ?').run(error, messageId);
  }

  remove(messageId: string): void {
    this.db.prepare('DELETE FROM file_outbox WHERE message_id = ?').run(messageId);
  }

  removeChat(chatId: string): void {
    this.db.prepare('DELETE FROM file_outbox WHERE chat_id = ?').run(chatId);
  }
}
