import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { encryptChatMeta, encryptMessageBody } from '../common/content';
import {
  encodePublicKey,
  generateBoxKeyPair,
  generateChatKey,
  generateMasterKey,
  sealBytes,
  sha256Hex,
  toBase64Url,
  wrapChatKey,
  wrapIdentitySecretKey,
} from '../common/crypto';
import type { PhoneSession } from '../mobile-pairing/src/core/account';
import { prismaTime } from './seed-bulk';

/**
 * A group chat of the owner and `devices` other people, each with one linked desktop that holds a valid
 * session — written straight into the server's SQLite file (signing up and pairing 1,000 desktops through
 * the API would take minutes and measure nothing we care about here). Each member gets the chat key
 * sealed to their real identity key, as the phone's "add member" does.
 */
export interface FanoutAccount {
  readonly chatId: string;
  /** One access token per listening desktop, with the cursor it resumes after (its user's last seq). */
  readonly listeners: ReadonlyArray<{ accessToken: string; cursor: number }>;
  /** Messages to send, encrypted under the chat key (ids bound into the envelopes). */
  readonly messages: ReadonlyArray<{ messageId: string; clientKey: string; ciphertext: string }>;
}

/** Same shape as the server's tokens (256 bits, base64url); Node's CSPRNG is the fast one here. */
const token = () => randomBytes(32).toString('base64url');

export function seedFanout(dbFile: string, owner: PhoneSession, devices: number, rounds: number): FanoutAccount {
  const db = new Database(dbFile);
  db.pragma('busy_timeout = 10000');
  const now = Date.now();
  const at = prismaTime(now);
  const chatId = randomUUID();
  const key = generateChatKey();
  const ownerRow = db
    .prepare('SELECT authKeyHash, wrappedMasterKey, lastSeq FROM "User" WHERE id = ?')
    .get(owner.userId) as {
    authKeyHash: string;
    wrappedMasterKey: string;
    lastSeq: number;
  };
  const insert = {
    user: db.prepare(
      `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey, lastSeq, createdAt)
       VALUES (?, ?, ?, 1, 8192, ?, ?, ?, ?, 1, ?)`,
    ),
    device: db.prepare(
      `INSERT INTO "Device" (id, userId, kind, name, platform, createdAt, lastSeenAt, syncCursor) VALUES (?, ?, 'desktop', ?, 'linux', ?, ?, 1)`,
    ),
    session: db.prepare(
      `INSERT INTO "Session" (id, deviceId, accessTokenHash, refreshTokenHash, accessExpiresAt, refreshExpiresAt, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    chat: db.prepare(
      'INSERT INTO "Chat" (id, createdByUserId, encryptedMeta, metaVersion, createdAt, updatedAt) VALUES (?, ?, ?, 1, ?, ?)',
    ),
    member: db.prepare(
      'INSERT INTO "ChatMember" (chatId, userId, role, wrappedChatKey, sealedChatKey, joinedAt, pinned) VALUES (?, ?, ?, ?, ?, ?, 0)',
    ),
    change: db.prepare(
      `INSERT INTO "ChangeLog" (userId, seq, kind, chatId, entityId, createdAt) VALUES (?, ?, 'chat:new', ?, NULL, ?)`,
    ),
    ownerSeq: db.prepare('UPDATE "User" SET lastSeq = ? WHERE id = ?'),
    // Chat key version 1 of every member (docs/GROUPS.md): the server reads members' keys from here.
    keyCopies: db.prepare(
      'INSERT OR IGNORE INTO "ChatKeyCopy" (chatId, userId, keyVersion, wrappedChatKey, sealedChatKey) SELECT chatId, userId, 1, wrappedChatKey, sealedChatKey FROM "ChatMember" WHERE chatId = ?',
    ),
  };

  const listeners: Array<{ accessToken: string; cursor: number }> = [];
  db.transaction(() => {
    insert.chat.run(chatId, owner.userId, encryptChatMeta(key, chatId, { title: `Everyone (${devices + 1})` }), at, at);
    insert.member.run(chatId, owner.userId, 'owner', wrapChatKey(key, owner.masterKey, chatId, owner.userId), null, at);
    insert.change.run(owner.userId, ownerRow.lastSeq + 1, chatId, at);
    insert.ownerSeq.run(ownerRow.lastSeq + 1, owner.userId);
    for (let i = 0; i < devices; i++) {
      const userId = randomUUID();
      const identity = generateBoxKeyPair();
      // These people never sign in during the benchmark: their password-side fields are the owner's shape.
      insert.user.run(
        userId,
        `fan${i}_${userId.slice(0, 8)}`,
        toBase64Url(randomBytes(16)),
        ownerRow.authKeyHash,
        ownerRow.wrappedMasterKey,
        encodePublicKey(identity.publicKey),
        wrapIdentitySecretKey(identity.secretKey, generateMasterKey(), userId),
        at,
      );
      const deviceId = randomUUID();
      insert.device.run(deviceId, userId, `Desktop ${i}`, at, at);
      const accessToken = token();
      insert.session.run(
        randomUUID(),
        deviceId,
        sha256Hex(accessToken),
        sha256Hex(token()),
        prismaTime(now + 3_600_000),
        prismaTime(now + 30 * 86_400_000),
        at,
      );
      insert.member.run(chatId, userId, 'member', null, sealBytes(key, identity.publicKey), at);
      insert.change.run(userId, 1, chatId, at);
      listeners.push({ accessToken, cursor: 1 });
    }
    insert.keyCopies.run(chatId);
  })();
  db.close();

  const messages = Array.from({ length: rounds }, (_, i) => {
    const messageId = randomUUID();
    const sentAt = Date.now();
    return {
      messageId,
      clientKey: `${sentAt}:fanout${i}:${owner.deviceId}`,
      ciphertext: encryptMessageBody(key, chatId, messageId, {
        text: `Fan-out ${i}: is everyone here? `.padEnd(200, '.'),
        senderName: 'Me',
        sentAt,
      }),
    };
  });
  return { chatId, listeners, messages };
}
