import { FIRST_SCREEN_MESSAGES, type SyncEventName, type SyncEventPayload } from '../../../../common/contract';
import { encryptChatMeta, encryptMessageBody } from '../../../../common/content';
import { generateChatKey, generateMasterKey, randomId, wrapChatKey } from '../../../../common/crypto';
import { ChatKeyring } from '../crypto/chat-keyring';
import { LocalStore } from '../store/local-store';
import { ChatReader } from '../view/chat-reader';
import { applyEvents, parseEvent, type ParsedEvent } from './event-applier';
import { SenderBook } from '../../../../common/trust/message-author';
import { EMPTY_DIRECTORY } from '../../../../common/trust/sender-keys';

/**
 * Runs a new desktop's first sync steps once on made-up data, in memory: the contract's validators parse
 * a manifest and a first-screen batch, the applier stores them in a throwaway in-memory store, the
 * reader decrypts the screen. Everything the real first batch would otherwise do for the first time —
 * zod compiling its validators, V8 compiling the applier and the store, libsodium's WebAssembly tiering
 * up, better-sqlite3 binding its first statements — is then already done.
 *
 * Called while the pairing QR is on screen: the desktop has seconds of nothing to do then, and right
 * after the phone approves each of those first uses would add to the user's wait for their last chat
 * (~15–20 ms of the ~70 ms phase 1 measured in docs/BENCHMARKS.md). Nothing is kept: the keys are
 * random and dropped, the store lives in memory and is closed. Returns the messages it decrypted.
 */
export function warmUpSyncPath(messages = FIRST_SCREEN_MESSAGES): number {
  const userId = randomId();
  const deviceId = randomId();
  const masterKey = generateMasterKey();
  const chatKey = generateChatKey();
  const chatId = randomId();
  const store = LocalStore.open(':memory:');
  const keyring = new ChatKeyring(
    masterKey,
    userId,
    () => null,
    (id, version) => store.chatKeyCopy(id, version),
  );
  try {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const frame = <N extends SyncEventName>(name: N, payload: SyncEventPayload<N>) => ({
      name,
      data: JSON.stringify(payload),
      id: null,
    });
    const batch = Array.from({ length: messages }, (_, i) => {
      const messageId = randomId();
      const sentAt = now - (messages - i) * 1000;
      return {
        messageId,
        chatId,
        senderUserId: userId,
        senderDeviceId: deviceId,
        clientKey: `${sentAt}:${i}:${deviceId}`,
        ciphertext: encryptMessageBody(chatKey, chatId, messageId, {
          text: 'x'.repeat(120 + (i % 160)),
          senderName: 'Warm-up',
          sentAt,
        }),
        status: 'read' as const,
        createdAt: new Date(sentAt).toISOString(),
      };
    });
    const raw = [
      frame('sync:initial', {
        snapshotSeq: 1,
        lastOpenedChatId: chatId,
        chats: [
          {
            chatId,
            createdByUserId: userId,
            encryptedMeta: encryptChatMeta(chatKey, chatId, { title: 'Warm-up' }),
            metaVersion: 1,
            createdAt: at,
            updatedAt: at,
            members: [{ userId, role: 'owner' }],
            wrappedChatKey: wrapChatKey(chatKey, masterKey, chatId, userId),
            sealedChatKey: null,
            lastOpenedAt: at,
            pinned: false,
            messageCount: messages,
          },
        ],
        plan: { phase1: [chatId], phase2: [], phase3: [] },
        totals: { chats: 1, messages, bytes: 0, chatsOnServer: 1 },
      }),
      frame('message:sync', { phase: 1, messages: batch, chatsCompleted: [chatId] }),
    ];
    const events: ParsedEvent[] = [];
    for (const event of raw) {
      const parsed = parseEvent(event);
      if (!parsed.ok) throw new Error(`warm-up: ${parsed.problem.message}`);
      events.push(parsed.event);
    }
    for (const event of events) store.transaction(() => applyEvents(store, keyring, [event]));
    return new ChatReader(store, keyring, userId, new SenderBook(EMPTY_DIRECTORY))
      .messages(chatId)
      .filter((m) => m.decrypted).length;
  } finally {
    store.close();
    keyring.clear();
    masterKey.fill(0);
    chatKey.fill(0);
  }
}

let warmed = false;

/**
 * `warmUpSyncPath` at most once per process, on the next turn of the event loop (the QR is drawn first).
 * A failure here is not the user's problem: the real sync simply pays for first use, so it is swallowed.
 */
export function warmUpOnce(): void {
  if (warmed) return;
  warmed = true;
  setImmediate(() => {
    try {
      warmUpSyncPath();
    } catch {
      // Only speed is at stake.
    }
  });
}
