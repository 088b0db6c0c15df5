import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, type ChatSummary, createApiClient } from '../common/contract';
import { decryptMessageBody } from '../common/content';
import { type ChatKey, generateChatKey, initCrypto, sealBytes } from '../common/crypto';
import { changeMembership } from '../common/trust/group-actions';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import {
  chatKeysFor,
  KeyMoveRefused,
  readMessage,
  sendTextWithKeys,
  startChat,
} from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { LyingServer } from './support/lying-server';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

/** The desktop's and the phone's POSTs of new messages (not the stream, not hello). */
const SENDS = /^POST \/chats\/[^/]+\/messages$/;
/** What a lying server answers every send with: "stale", whatever the chat's real version. */
const STALE = {
  status: 409,
  body: {
    error: {
      code: 'stale_version',
      message: "the chat's key is at version 9: this message was written under version 2",
    },
  },
  requests: SENDS,
};

/**
 * A queued message whose chat key version was replaced before it reached the server (docs/GROUPS.md
 * "Writing"): the desktop seals it again under the chat's current version — one it verified itself against
 * the pinned keys — and sends it once; the phone's send does the same. Real server on 127.0.0.1, every
 * account's real keys. Bob's desktop talks through a CuttingProxy (offline, lost answers, a made-up 409)
 * in front of a LyingServer (rewritten answers) in front of the real server.
 */
let server: TestServer;
let liar: LyingServer;
let proxy: CuttingProxy;
let dir: string;
let desktop: DesktopCore;
let alice: Phone;
let bob: Phone;
let carol: Phone;

const call = (p: Phone) => ((name: never, input: never) => p.api.call(name, input)) as never;
const getChat = (p: Phone, chatId: string) => p.api.call('getChat', { params: { chatId } });
const removeFrom = async (actor: Phone, chatId: string, removed: Phone) =>
  changeMembership(
    call(actor),
    actor.session,
    await phoneContacts(actor.api, actor.session),
    await getChat(actor, chatId),
    {
      action: 'remove',
      subjects: [removed.session.userId],
    },
  );
const onServer = async (chatId: string) =>
  (await alice.api.call('listMessages', { params: { chatId }, query: { limit: 100 } })).messages;

/** A group of alice, bob and carol, on bob's desktop; carol's real keys of it (version 1). */
async function groupWithCarol(title: string): Promise<{ chatId: string; carolKeys: ChatKey[] }> {
  const { chat } = await startChat(alice.api, alice.session, {
    title,
    memberUsernames: [bob.session.username, carol.session.username],
  });
  await until(() => desktop.store.hasChat(chat.chatId), 10_000, 'the chat on the desktop');
  const keys = await chatKeysFor(carol.api, carol.session, await getChat(carol, chat.chatId));
  return { chatId: chat.chatId, carolKeys: [...keys.byVersion.values()] };
}

function unreadableWith(keys: readonly ChatKey[], message: { chatId: string; messageId: string; ciphertext: string }) {
  for (const key of keys)
    for (const version of [1, 2, 3])
      expect(() => decryptMessageBody(key, message.chatId, message.messageId, message.ciphertext, version)).toThrow();
}

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  liar = await new LyingServer(server.url).start();
  proxy = await new CuttingProxy(Number(new URL(liar.url).port)).start();
  alice = await signUpPhone(server, 'kmalice');
  bob = await signUpPhone(server, 'kmbob');
  carol = await signUpPhone(server, 'kmcarol');
  dir = mkdtempSync(path.join(os.tmpdir(), 'symc-key-move-'));
  desktop = await openDesktop(dir, await pairDesktop(proxy.url, bob, dir));
  await desktop.start();
  await untilProgress(desktop, (p) => p.primed && p.connection === 'connected');
}, 60_000);
afterAll(async () => {
  await desktop?.stop().catch(() => undefined);
  await proxy?.stop();
  await liar?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a queued message whose key version was replaced', () => {
  it('carol removed while the desktop is offline: after reconnect the message goes out once under version 2, and carol’s real keys open nothing', async () => {
    const { chatId, carolKeys } = await groupWithCarol('Removed while offline');
    await desktop.stopSyncing();
    proxy.setOffline(true);
    const queued = await desktop.send(chatId, 'written offline');
    expect(queued).toMatchObject({ queued: true, failed: null });
    expect(desktop.store.listOutbox().find((r) => r.message_id === queued.messageId)?.key_version).toBe(1);

    await removeFrom(alice, chatId, carol);
    // The first answer under the new version is lost on the way back: the replay must not store it twice.
    let cut = false;
    proxy.inspect = (chunk) => {
      if (cut || !chunk.toString('latin1', 0, 16).startsWith('HTTP/1.1 201')) return null;
      cut = true;
      return 0;
    };
    proxy.setOffline(false);
    // Back online: hello replays the outbox, the server refuses version 1, the desktop moves it to 2.
    desktop.engine.start();
    // Sent once the outbox let go of it (the stream may show the stored message before the outbox's replay).
    await until(
      () =>
        desktop.store.getMessage(chatId, queued.messageId)?.status === 'sent' && desktop.engine.outbox.pending() === 0,
      15_000,
      'the send',
    );
    proxy.inspect = null;
    expect(cut).toBe(true);
    expect(desktop.engine.outbox.pending()).toBe(0);
    expect(desktop.engine.outbox.failures(chatId).size).toBe(0);

    const copies = (await onServer(chatId)).filter((m) => m.messageId === queued.messageId);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.keyVersion).toBe(2);
    const aliceKeys = await chatKeysFor(alice.api, alice.session, await getChat(alice, chatId));
    expect(readMessage(copies[0]!, aliceKeys).text).toBe('written offline');
    unreadableWith(carolKeys, copies[0]!);
    // The desktop shows it as sent, under the version it went out with.
    expect(desktop.store.getMessage(chatId, queued.messageId)?.key_version).toBe(2);
    expect(desktop.reader.messages(chatId).map((m) => m.text)).toEqual(['written offline']);
  }, 40_000);

  it('a server that says "stale" with no newer signed version: nothing is sealed again or downgraded, the message fails with the reason', async () => {
    const { chatId } = await groupWithCarol('Lied stale');
    await removeFrom(alice, chatId, carol);
    await until(() => desktop.store.getChat(chatId)?.key_version === 2, 10_000, 'version 2 on the desktop');
    proxy.answerRequests(STALE);
    try {
      const sent = await desktop.send(chatId, 'told stale');
      expect(sent.failed).toBe(
        "The server says this chat's key changed, but the newest version its members signed is 2, and this message is already under version 2: not sent.",
      );
      expect(desktop.store.listOutbox().find((r) => r.message_id === sent.messageId)).toMatchObject({
        key_version: 2,
        last_error: sent.failed,
      });
      expect(desktop.store.chatKeyVersions(chatId)).toEqual([1, 2]);
      expect((await onServer(chatId)).map((m) => m.messageId)).not.toContain(sent.messageId);
    } finally {
      proxy.answerRequests(null);
    }
  });

  it('a server that makes up a newer version with its own key: the key is refused, nothing goes out under it, and a retry without the lie sends under the real version', async () => {
    const { chatId } = await groupWithCarol('Lied newer');
    await removeFrom(alice, chatId, carol);
    await until(() => desktop.store.getChat(chatId)?.key_version === 2, 10_000, 'version 2 on the desktop');
    const forgedKey = generateChatKey();
    const forged = sealBytes(forgedKey, bob.session.identity.publicKey);
    const undo = liar.rewriteJson(api.getChat, (body) => {
      const summary = body as ChatSummary;
      if (summary.chatId !== chatId) return undefined;
      return {
        ...summary,
        keyVersion: 3,
        wrappedChatKey: null,
        sealedChatKey: forged,
        myKeys: [...(summary.myKeys ?? []), { keyVersion: 3, wrappedChatKey: null, sealedChatKey: forged }],
      };
    });
    proxy.answerRequests(STALE);
    let messageId: string;
    try {
      const sent = await desktop.send(chatId, 'told newer');
      messageId = sent.messageId;
      expect(sent.failed).toMatch(/^The server says this chat's key changed, but the new key could not be verified: /);
      expect(desktop.store.chatKeyCopy(chatId, 3)).toBeNull();
      expect(desktop.store.getChat(chatId)?.key_version).toBe(2);
      // No send ever carried version 3 (only the first, made-up-refused one under 2 left the desktop).
      const bodies = liar.requestsTo(api.sendMessage).map((r) => r.body as { messageId: string; keyVersion?: number });
      expect(bodies.filter((b) => b.messageId === messageId && b.keyVersion !== 2)).toEqual([]);
    } finally {
      undo();
      proxy.answerRequests(null);
    }
    await expect(desktop.retrySend(chatId, messageId)).resolves.toEqual({ state: 'sent' });
    const copies = (await onServer(chatId)).filter((m) => m.messageId === messageId);
    expect(copies.map((m) => m.keyVersion)).toEqual([2]);
  });

  it('the phone: a send under a replaced version moves to the verified current one; a lying "stale" is refused', async () => {
    const { chatId, carolKeys } = await groupWithCarol('Phone moves');
    const before = await chatKeysFor(alice.api, alice.session, await getChat(alice, chatId));
    await desktop.groups.removeMembers(chatId, [carol.session.userId]);
    const { record, keys } = await sendTextWithKeys(alice.api, alice.session, chatId, before, 'phone, moved');
    expect(record.keyVersion).toBe(2);
    expect(keys.current).toBe(2);
    expect(readMessage(record, keys).text).toBe('phone, moved');
    unreadableWith(carolKeys, record);

    const viaProxy = createApiClient({ baseUrl: proxy.url, accessToken: () => alice.session.tokens.accessToken });
    proxy.answerRequests(STALE);
    try {
      const refused = await sendTextWithKeys(viaProxy, alice.session, chatId, keys, 'phone, told stale').then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(KeyMoveRefused);
      expect((refused as Error).message).toMatch(/newest version its members signed is 2/);
    } finally {
      proxy.answerRequests(null);
    }
    expect((await onServer(chatId)).map((m) => readMessage(m, keys).text)).toEqual(['phone, moved']);
  });
});
