import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, MESSAGE_ACTIONS_MIGRATION, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('message_actions migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'message-actions-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('keeps every message as it was (never edited, not deleted); edits and hides then attach to it', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', MESSAGE_ACTIONS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Database(file);
    db.pragma('foreign_keys = OFF'); // only the rows the migration rebuilds
    db.prepare('INSERT INTO "Chat" (id, createdByUserId, encryptedMeta) VALUES (?, ?, ?)').run('c1', 'u1', 'meta');
    db.prepare(
      `INSERT INTO "Message" (id, chatId, senderUserId, senderDeviceId, clientKey, ciphertext, size, status)
       VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7, 'read')`,
    ).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual([
      MESSAGE_ACTIONS_MIGRATION,
      ...laterMigrations('sqlite', MESSAGE_ACTIONS_MIGRATION),
    ]);

    const after = new Database(file);
    try {
      after.pragma('foreign_keys = ON');
      expect(
        after
          .prepare(
            'SELECT id, chatId, ciphertext, size, status, editVersion, editCiphertext, editedAt, deletedAt FROM "Message"',
          )
          .all(),
      ).toEqual([
        {
          id: 'm1',
          chatId: 'c1',
          ciphertext: 'v1.body',
          size: 7,
          status: 'read',
          editVersion: 0,
          editCiphertext: null,
          editedAt: null,
          deletedAt: null,
        },
      ]);
      after
        .prepare(
          `INSERT INTO "MessageEdit" (messageId, version, senderDeviceId, ciphertext, size) VALUES ('m1', 1, 'd1', 'v1.e', 4)`,
        )
        .run();
      after.prepare(`INSERT INTO "HiddenMessage" (userId, messageId, chatId) VALUES ('u2', 'm1', 'c1')`).run();
      // Both hang off the message: they go with it.
      after.prepare(`DELETE FROM "Message" WHERE id = 'm1'`).run();
      expect(after.prepare('SELECT count(*) AS n FROM "MessageEdit"').get()).toEqual({ n: 0 });
      expect(after.prepare('SELECT count(*) AS n FROM "HiddenMessage"').get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  });
});
