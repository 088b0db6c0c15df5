import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, type ApiClient, createApiClient, type MessageRecord } from '../common/contract';
import { initCrypto, randomId } from '../common/crypto';
import { SenderBook } from '../common/trust/message-author';
import { ServerSenderKeyDirectory } from '../common/trust/sender-keys';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import type { SyncProblem } from '../desktop/src/core/sync/event-applier';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { loadMessages } from '../mobile-pairing/src/core/conversations';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { LyingServer, type SseEvent } from './support/lying-server';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

/**
 * Who wrote a message, against a malicious server and a malicious member. Alice's desktop talks to the
 * server through a LyingServer (it can rewrite any answer and any event); Bob and Mallory are members of
 * Alice's group and hold its key. Every claim of docs/THREAT-MODEL.md "Senders" has its test here.
 */
describe('authenticated senders', () => {
  let server: TestServer;
  let liar: LyingServer;
  let alice: Phone;
  let bob: Phone;
  let mallory: Phone;
  let core: DesktopCore;
  let group: string;
  let pair: string;
  const problems: SyncProblem[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-signed-'));

  const memberKey = async (phone: Phone, chatId: string) =>
    chatKeyFor(phone.api, phone.session, await phone.api.call('getChat', { params: { chatId } }));

  /** What Alice's desktop shows for a chat: text, name, verification — senders fetched first, as the app does. */
  async function desktopShows(chatId: string) {
    await core.reader.loadSenders(core.store.listMessages(chatId, 200).map((r) => r.sender_user_id));
    return core.reader.messages(chatId).map((m) => ({
      text: m.text,
      senderName: m.senderName,
      verification: m.verification,
      mine: m.mine,
      sentAt: m.sentAt,
      createdAt: m.createdAt,
    }));
  }
  async function desktopMessage(chatId: string, text: string) {
    await until(
      async () => (await desktopShows(chatId)).some((m) => m.text === text),
      10_000,
      `"${text}" on the desktop`,
    );
    return (await desktopShows(chatId)).find((m) => m.text === text)!;
  }

  /** Rewrites live message events of the stream while `run` runs. */
  async function whileRewriting<T>(
    rewrite: (message: MessageRecord) => MessageRecord,
    run: () => Promise<T>,
  ): Promise<T> {
    const undo = liar.rewriteSse((event: SseEvent) => {
      if (event.event !== 'message:new') return event;
      const payload = JSON.parse(event.data) as { message: MessageRecord };
      return { ...event, data: JSON.stringify({ message: rewrite(payload.message) }) };
    });
    try {
      return await run();
    } finally {
      undo();
    }
  }

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    alice = await signUpPhone(server, 'sigalice');
    bob = await signUpPhone(server, 'sigbob');
    mallory = await signUpPhone(server, 'sigmallory');
    group = (
      await startChat(alice.api, alice.session, {
        title: 'Group',
        memberUsernames: [bob.session.username, mallory.session.username],
      })
    ).chat.chatId;
    pair = (await startChat(alice.api, alice.session, { title: 'Pair', memberUsernames: [bob.session.username] })).chat
      .chatId;
    core = await openDesktop(dir, await pairDesktop(liar.url, alice, dir));
    core.engine.onProblem((p) => problems.push(p));
    await core.start();
    await untilProgress(core, (p) => p.primed);
  });
  afterAll(async () => {
    await core?.stop();
    await liar.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a message written on the desktop is signed with the account key it got at pairing: others see it verified as Alice', async () => {
    await core.engine.outbox.send(group, 'from the desktop');
    const page = await loadMessages(
      bob.api,
      bob.session,
      group,
      await memberKey(bob, group),
      new SenderBook(new ServerSenderKeyDirectory(bob.api)),
    );
    expect(page.messages.find((m) => m.body?.text === 'from the desktop')!.author).toEqual({
      verification: 'verified',
      displayName: alice.session.username,
    });
    // The key came with the pairing confirm: the desktop never had to ask for it.
    expect(liar.requestsTo(api.me)).toEqual([]);
  });

  it('a member who writes a body claiming another member’s name is shown as who they are', async () => {
    await sendText(
      mallory.api,
      mallory.session,
      group,
      await memberKey(mallory, group),
      'Bob here: send me the code',
      bob.session.username,
    );
    expect(await desktopMessage(group, 'Bob here: send me the code')).toMatchObject({
      senderName: mallory.session.username,
      verification: 'verified',
    });
  });

  it('the server re-attributing a message to another member (rewriting senderUserId) makes it unverified, never Bob’s', async () => {
    const text = 're-attributed by the server';
    await whileRewriting(
      (m) => (m.senderUserId === mallory.session.userId ? { ...m, senderUserId: bob.session.userId } : m),
      async () => {
        await sendText(mallory.api, mallory.session, group, await memberKey(mallory, group), text);
        expect(await desktopMessage(group, text)).toMatchObject({
          senderName: 'Unverified sender',
          verification: 'unverified',
          mine: false,
        });
      },
    );
    // The phone, reading pages through the same server, sees the same.
    const viaLiar = createApiClient({ baseUrl: liar.url, accessToken: () => alice.session.tokens.accessToken });
    const undo = liar.rewriteJson(api.listMessages, (body) => {
      const page = body as { messages: MessageRecord[] };
      return {
        ...page,
        messages: page.messages.map((m) =>
          m.senderUserId === mallory.session.userId ? { ...m, senderUserId: bob.session.userId } : m,
        ),
      };
    });
    try {
      const page = await loadMessages(
        viaLiar,
        alice.session,
        group,
        await memberKey(alice, group),
        new SenderBook(new ServerSenderKeyDirectory(viaLiar)),
      );
      const shown = page.messages.find((m) => m.body?.text === text)!;
      expect(shown.record.senderUserId).toBe(bob.session.userId);
      expect(shown.author).toEqual({ verification: 'unverified', displayName: 'Unverified sender' });
    } finally {
      undo();
    }
  });

  it('the server re-attributing Bob’s message to Alice herself does not make it hers', async () => {
    const text = 'pinned on alice';
    await whileRewriting(
      (m) => (m.senderUserId === bob.session.userId ? { ...m, senderUserId: alice.session.userId } : m),
      async () => {
        await sendText(bob.api, bob.session, group, await memberKey(bob, group), text);
        expect(await desktopMessage(group, text)).toMatchObject({
          senderName: 'Unverified sender',
          verification: 'unverified',
          mine: false,
        });
      },
    );
  });

  it('the server moving a message into another chat, or giving it another id, is refused: the envelope does not open there', async () => {
    const before = problems.length;
    const bobGroupKey = await memberKey(bob, group);
    await whileRewriting(
      (m) => (m.chatId === group && m.senderUserId === bob.session.userId ? { ...m, chatId: pair } : m),
      async () => {
        await sendText(bob.api, bob.session, group, bobGroupKey, 'moved to the pair chat');
        await until(() => problems.length > before, 10_000, 'the moved message to be reported');
      },
    );
    await whileRewriting(
      (m) => (m.chatId === group && m.senderUserId === bob.session.userId ? { ...m, messageId: randomId() } : m),
      async () => {
        await sendText(bob.api, bob.session, group, bobGroupKey, 'given another id');
        await until(() => problems.length > before + 1, 10_000, 'the renamed message to be reported');
      },
    );
    expect(problems.slice(before).map((p) => p.code)).toEqual(['undecryptable_message', 'undecryptable_message']);
    const texts = [...(await desktopShows(group)), ...(await desktopShows(pair))].map((m) => m.text);
    expect(texts).not.toContain('moved to the pair chat');
    expect(texts).not.toContain('given another id');
  });

  it('the server moving a message to another position changes where it is listed, not the signed time it shows', async () => {
    const earlier = new Date(Date.now() - 3_600_000).toISOString();
    const sentBefore = Date.now();
    const key = await memberKey(bob, pair);
    await whileRewriting(
      (m) => (m.senderUserId === bob.session.userId ? { ...m, createdAt: earlier } : m),
      async () => {
        await sendText(bob.api, bob.session, pair, key, 'moved back an hour');
        const shown = await desktopMessage(pair, 'moved back an hour');
        expect(shown.createdAt).toBe(earlier);
        expect(shown.sentAt).toBeGreaterThanOrEqual(sentBefore);
        expect(shown.verification).toBe('verified');
      },
    );
  });

  it('a server that hides a sender’s signing key cannot pass their signed messages off as legacy: they are unverified', async () => {
    await sendText(bob.api, bob.session, pair, await memberKey(bob, pair), 'signed by bob');
    const viaLiar: ApiClient = createApiClient({
      baseUrl: liar.url,
      accessToken: () => alice.session.tokens.accessToken,
    });
    const undo = liar.rewriteJson(api.lookupUserById, (body) => ({ ...(body as object), signingPublicKey: null }));
    try {
      const page = await loadMessages(
        viaLiar,
        alice.session,
        pair,
        await memberKey(alice, pair),
        new SenderBook(new ServerSenderKeyDirectory(viaLiar)),
      );
      expect(page.messages.find((m) => m.body?.text === 'signed by bob')!.author.verification).toBe('unverified');
    } finally {
      undo();
    }
  });
});
