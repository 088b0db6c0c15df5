import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { encryptChatMeta, type MessageBody } from '../common/content';
import { type ChatKey, encryptJson, generateChatKey, randomId, wrapChatKey } from '../common/crypto';
import type { PhoneSession } from '../mobile-pairing/src/core/account';
import { seededRandom } from '../e2e/support/random';
import type { Workload } from './workloads';

/**
 * Seeds an account straight into the server's SQLite file — what the server's use-cases would have
 * written for the same history, only in one prepared-statement transaction instead of one request per
 * message (500,000 messages through `sendMessage` would take longer than the benchmark itself).
 *
 * Everything is real: chat keys wrapped under each member's master key, message bodies as v1 envelopes
 * bound to (chat, message), one `message:new` change per member per message with gap-free seqs taken from
 * `User.lastSeq`, and timestamps in Prisma's SQLite format (ISO-8601 with `+00:00`, which SQLite orders as
 * text — a different format would sort wrong next to rows the server writes itself).
 */

/**
 * `encryptMessageBody` without its zod check of the body (the seeder builds half a million bodies itself):
 * the same v1 envelope bound to (chat, message). The bench's test opens these envelopes with the app's decrypt.
 */
export function sealMessageBody(key: ChatKey, chatId: string, messageId: string, body: MessageBody): string {
  return encryptJson(key, body, { kind: 'message-body', chatId, messageId });
}

export interface SeedOptions {
  readonly owner: PhoneSession;
  /** The people the owner talks to; every chat has the owner and one of them (every 7th chat: three). */
  readonly friends: readonly PhoneSession[];
  readonly workload: Workload;
  /** The chat the owner last opened (phase 1): by default one in the middle, neither newest nor oldest. */
  readonly openedIndex?: number;
  readonly seed?: number;
  /** History ends now and starts this many days ago. */
  readonly days?: number;
}

export interface SeededAccount {
  readonly chats: ReadonlyArray<{ chatId: string; key: ChatKey; title: string; messages: number }>;
  readonly openedChatId: string;
  readonly messages: number;
  /** Ciphertext bytes of all message envelopes (what `Message.size` sums to). */
  readonly ciphertextBytes: number;
  readonly ownerLastSeq: number;
}

const WORDS = (
  'the a to and of in is it you that for on are with as this be at have not we can was but all so if ' +
  'meeting tomorrow lunch train late running photo dinner weekend call later sounds good thanks great ' +
  'okay sure maybe tonight office project deadline review coffee flight hotel booked kids school ' +
  'weather rain sunny football match tickets birthday present party music movie series episode'
).split(' ');

/** Prisma's SQLite DateTime text: `2026-01-02T03:04:05.678+00:00`. */
export function prismaTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

function sentence(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    text += text ? ` ${word}` : word[0]!.toUpperCase() + word.slice(1);
    if (random() < 0.08) text += random() < 0.5 ? '.' : '?';
  }
  return text.slice(0, length);
}

export function seedAccount(dbFile: string, options: SeedOptions): SeededAccount {
  const { owner, friends, workload } = options;
  if (friends.length === 0) throw new Error('seedAccount needs at least one friend');
  const random = seededRandom(options.seed ?? 8);
  const now = Date.now();
  const start = now - (options.days ?? 90) * 86_400_000;
  const openedIndex = options.openedIndex ?? Math.floor(workload.chats * 0.57);

  const db = new Database(dbFile);
  db.pragma('busy_timeout = 10000');
  const stmt = {
    chat: db.prepare(
      'INSERT INTO "Chat" (id, createdByUserId, encryptedMeta, metaVersion, createdAt, updatedAt) VALUES (?, ?, ?, 1, ?, ?)',
    ),
    member: db.prepare(
      'INSERT INTO "ChatMember" (chatId, userId, role, wrappedChatKey, sealedChatKey, joinedAt, lastOpenedAt, lastEditedAt, pinned) VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, 0)',
    ),
    message: db.prepare(
      'INSERT INTO "Message" (id, chatId, senderUserId, senderDeviceId, clientKey, ciphertext, size, status, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    totals: db.prepare('UPDATE "Chat" SET messageCount = ?, messageBytes = ? WHERE id = ?'),
    change: db.prepare(
      'INSERT INTO "ChangeLog" (userId, seq, kind, chatId, entityId, createdAt) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    lastSeq: db.prepare('SELECT lastSeq FROM "User" WHERE id = ?'),
    setLastSeq: db.prepare('UPDATE "User" SET lastSeq = ? WHERE id = ?'),
    // Chat key version 1 of every member (docs/GROUPS.md): the server reads members' keys from here.
    keyCopies: db.prepare(
      'INSERT OR IGNORE INTO "ChatKeyCopy" (chatId, userId, keyVersion, wrappedChatKey, sealedChatKey) SELECT chatId, userId, 1, wrappedChatKey, sealedChatKey FROM "ChatMember"',
    ),
  };

  const everyone = [owner, ...friends];
  const seqs = new Map(everyone.map((u) => [u.userId, (stmt.lastSeq.get(u.userId) as { lastSeq: number }).lastSeq]));
  const clientCounters = new Map<string, number>();
  // Changes are appended in time order across chats (seq is the server's total order of commits).
  const changes: Array<{
    at: number;
    userIds: readonly string[];
    kind: string;
    chatId: string;
    entityId: string | null;
  }> = [];

  const chats: Array<{ chatId: string; key: ChatKey; title: string; messages: number }> = [];
  let ciphertextBytes = 0;
  let messages = 0;
  db.transaction(() => {
    for (let c = 0; c < workload.chats; c++) {
      const chatId = randomId();
      const key = generateChatKey();
      const title = `Chat ${c}`;
      const members = c % 7 === 3 ? [owner, ...pick(friends, 3, c)] : [owner, friends[c % friends.length]!];
      const createdAt = start + Math.floor(random() * (now - start) * 0.2);
      // Message times: sorted random instants between the chat's creation and now, 1 ms apart at least.
      const times = Array.from(
        { length: workload.messagesPerChat },
        () => createdAt + Math.floor(random() * (now - createdAt)),
      );
      times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) if (times[i]! <= times[i - 1]!) times[i] = times[i - 1]! + 1;
      const updatedAt = times.at(-1) ?? createdAt;

      stmt.chat.run(
        chatId,
        owner.userId,
        encryptChatMeta(key, chatId, { title, summary: sentence(random, 60) }),
        prismaTime(createdAt),
        prismaTime(updatedAt),
      );
      for (const m of members) {
        const opened = m === owner && c === openedIndex ? prismaTime(now - 60_000) : null;
        stmt.member.run(
          chatId,
          m.userId,
          m === owner ? 'owner' : 'member',
          wrapChatKey(key, m.masterKey, chatId, m.userId),
          prismaTime(createdAt),
          opened,
        );
      }
      changes.push({ at: createdAt, userIds: members.map((m) => m.userId), kind: 'chat:new', chatId, entityId: null });

      let chatBytes = 0;
      for (let i = 0; i < times.length; i++) {
        const from = members[i % 3 === 0 ? 0 : 1 + (i % (members.length - 1))]!;
        const messageId = randomUUID();
        const sentAt = times[i]!;
        const length = Math.max(8, Math.round(workload.textBytes * (0.6 + random() * 0.8)));
        const ciphertext = sealMessageBody(key, chatId, messageId, {
          text: sentence(random, length),
          senderName: from === owner ? 'Me' : `Friend ${friends.indexOf(from)}`,
          sentAt,
        });
        const n = (clientCounters.get(from.deviceId) ?? 0) + 1;
        clientCounters.set(from.deviceId, n);
        // Everything but the last few messages has been read; the newest are still on their way.
        const status = i >= times.length - 2 ? 'delivered' : 'read';
        stmt.message.run(
          messageId,
          chatId,
          from.userId,
          from.deviceId,
          `${sentAt}:${n}:${from.deviceId}`,
          ciphertext,
          ciphertext.length,
          status,
          prismaTime(sentAt),
        );
        changes.push({
          at: sentAt,
          userIds: members.map((m) => m.userId),
          kind: 'message:new',
          chatId,
          entityId: messageId,
        });
        ciphertextBytes += ciphertext.length;
        chatBytes += ciphertext.length;
        messages++;
      }
      // What the server's send transaction keeps on the chat row.
      stmt.totals.run(times.length, chatBytes, chatId);
      chats.push({ chatId, key, title, messages: times.length });
    }

    changes.sort((a, b) => a.at - b.at);
    for (const change of changes) {
      for (const userId of change.userIds) {
        const seq = seqs.get(userId)! + 1;
        seqs.set(userId, seq);
        stmt.change.run(userId, seq, change.kind, change.chatId, change.entityId, prismaTime(change.at));
      }
    }
    for (const [userId, seq] of seqs) stmt.setLastSeq.run(seq, userId);
    stmt.keyCopies.run();
  })();
  db.close();
  return {
    chats,
    openedChatId: chats[openedIndex]!.chatId,
    messages,
    ciphertextBytes,
    ownerLastSeq: seqs.get(owner.userId)!,
  };
}

function pick<T>(items: readonly T[], count: number, offset: number): T[] {
  return Array.from({ length: Math.min(count, items.length) }, (_, i) => items[(offset + i) % items.length]!);
}
