import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { CHAT_KEY_VERSIONS_MIGRATION, laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('chat_key_versions migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-key-versions-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('makes every existing chat key version 1, keeps chats and messages, and copies each member key', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', CHAT_KEY_VERSIONS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Database(file);
    for (const [id, name] of [
      ['u1', 'alice'],
      ['u2', 'bob'],
    ])
      db.prepare(
        `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey)
         VALUES (?, ?, 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec')`,
      ).run(id, name);
    db.prepare(
      `INSERT INTO "Device" (id, userId, kind, name, platform) VALUES ('d1', 'u1', 'phone', 'p', 'web')`,
    ).run();
    db.prepare(
      `INSERT INTO "Chat" (id, createdByUserId, encryptedMeta, messageCount) VALUES ('c1', 'u1', 'v1.meta', 1)`,
    ).run();
    db.prepare(
      `INSERT INTO "ChatMember" (chatId, userId, role, wrappedChatKey) VALUES ('c1', 'u1', 'owner', 'v1.wrapped')`,
    ).run();
    db.prepare(
      `INSERT INTO "ChatMember" (chatId, userId, role, sealedChatKey) VALUES ('c1', 'u2', 'member', 'sealed')`,
    ).run();
    db.prepare(
      `INSERT INTO "Message" (id, chatId, senderUserId, senderDeviceId, clientKey, ciphertext, size) VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7)`,
    ).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual([
      CHAT_KEY_VERSIONS_MIGRATION,
      ...laterMigrations('sqlite', CHAT_KEY_VERSIONS_MIGRATION),
    ]);

    const after = new Database(file);
    try {
      expect(after.prepare('SELECT id, keyVersion, rotationDue, messageCount FROM "Chat"').all()).toEqual([
        { id: 'c1', keyVersion: 1, rotationDue: 0, messageCount: 1 },
      ]);
      expect(after.prepare('SELECT id, keyVersion, ciphertext FROM "Message"').all()).toEqual([
        { id: 'm1', keyVersion: 1, ciphertext: 'v1.body' },
      ]);
      expect(
        after
          .prepare('SELECT userId, keyVersion, wrappedChatKey, sealedChatKey FROM "ChatKeyCopy" ORDER BY userId')
          .all(),
      ).toEqual([
        { userId: 'u1', keyVersion: 1, wrappedChatKey: 'v1.wrapped', sealedChatKey: null },
        { userId: 'u2', keyVersion: 1, wrappedChatKey: null, sealedChatKey: 'sealed' },
      ]);
      expect(after.prepare('SELECT COUNT(*) AS n FROM "ChatEpoch"').get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  });
});
