import { initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { seedChat } from './support/history-seed';
import { signUpPhone } from './support/phone';
import { openSse, type SseEvent } from './support/sse-client';
import { bearer, freshPosition, payloadOf, readUntil, syncedMessages } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// Resuming a cut fresh sync from the position the desktop last applied (Last-Event-ID, or the
// `lastEventId` query): the rest of the history exactly once, then live. Positions the server can't
// honour (malformed, another device's, an older plan's, an old format) start a new fresh sync instead.

const BATCH_MESSAGES = 5;
const PHASE_READY = ['phase_1_last_chat_ready', 'phase_2_last_10_chats_ready', 'phase_3_last_100_chats_ready'];

let server: TestServer;
let phone: Awaited<ReturnType<typeof signUpPhone>>;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({
    SYNC_BATCH_MESSAGES: String(BATCH_MESSAGES),
    SYNC_BATCH_BYTES: '1024',
    SYNC_MAX_CHATS: '12',
  });
  phone = await signUpPhone(server, 'resumer');
  // 12 chats (phases 1, 2 and 3), of sizes that end batches mid-chat, at a chat's end, and by bytes.
  const base = Date.now() - 3_600_000;
  const chats = [];
  for (let k = 0; k < 12; k++) {
    const spec = k % 4 === 0 ? { messages: 12, bytes: 60 } : { messages: k % 4, bytes: k % 2 ? 60 : 400 };
    chats.push(await seedChat(server, phone, { title: `r${k}`, ...spec, updatedAt: new Date(base + k * 60_000) }));
  }
  await phone.api.call('updateMyChatState', { params: { chatId: chats[4]!.chatId }, body: { opened: true } });
});
afterAll(() => server.stop());

/** Opens the stream of `desktop` with these headers and query, and reads it to cache_primed. */
async function syncOnce(accessToken: string, headers: Record<string, string> = {}, query = ''): Promise<SseEvent[]> {
  const stream = await openSse(server.url, query, { ...bearer(accessToken), ...headers });
  try {
    return await readUntil(stream, 'cache_primed');
  } finally {
    stream.close();
  }
}

const messageIds = (events: readonly SseEvent[]) => syncedMessages(events).map((m) => m.messageId);

describe('resuming a fresh sync', () => {
  it('from every position the stream gave, it sends the rest of the history exactly once: no duplicate, no gap', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken);
    const { snapshotSeq } = payloadOf(full[1]!, 'sync:initial');
    const positions = full.filter((e) => e.id?.startsWith('h'));
    expect(positions.length).toBeGreaterThan(10);

    for (const [i, cut] of full.entries()) {
      if (!cut.id?.startsWith('h')) continue;
      const resumed = await syncOnce(desktop.accessToken, { 'last-event-id': cut.id });
      expect(payloadOf(resumed[0]!, 'connected')).toMatchObject({ mode: 'resume-fresh', cursor: snapshotSeq });
      expect(resumed.map((e) => e.event)).not.toContain('sync:initial');
      expect(messageIds(resumed)).toEqual(messageIds(full.slice(i + 1)));
      // The phase-ready events come again, of phases already done too (the lost event may be one of them).
      expect(resumed.filter((e) => PHASE_READY.includes(e.event)).map((e) => e.event)).toEqual(PHASE_READY);
      // Every position after the cut is the same one the full stream gave.
      const later = (events: readonly SseEvent[]) =>
        events.filter((e) => e.event === 'message:sync' && e.id !== cut.id).map((e) => e.id);
      expect(later(resumed)).toEqual(later(full.slice(i + 1)));
      expect(resumed.at(-1)).toEqual(full.at(-1));
    }
  });

  it('the lastEventId query (for clients that cannot set the header) resumes the same way', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken);
    const cut = full.findIndex((e) => e.event === 'phase_1_last_chat_ready');
    const resumed = await syncOnce(desktop.accessToken, {}, `lastEventId=${encodeURIComponent(full[cut]!.id!)}`);
    expect(payloadOf(resumed[0]!, 'connected').mode).toBe('resume-fresh');
    expect(messageIds(resumed)).toEqual(messageIds(full.slice(cut + 1)));
  });

  it('changes committed before a resume arrive live after it, with seq ids above the snapshot', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken);
    const { snapshotSeq } = payloadOf(full[1]!, 'sync:initial');
    const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'later', memberUsernames: [] });
    const sent = await sendText(phone.api, phone.session, chat.chatId, chatKey, 'after the snapshot');

    const stream = await openSse(server.url, '', {
      ...bearer(desktop.accessToken),
      'last-event-id': full.find((e) => e.event === 'message:sync')!.id!,
    });
    const resumed = await readUntil(stream, 'message:new');
    stream.close();
    const primed = resumed.findIndex((e) => e.event === 'cache_primed');
    const live = resumed.slice(primed + 1);
    // The new chat is not in the stored plan: it comes as a live chat:update, then the message.
    expect(live.map((e) => [e.event, e.id])).toEqual([
      ['chat:update', String(snapshotSeq + 1)],
      ['message:new', String(snapshotSeq + 2)],
    ]);
    expect(payloadOf(live[1]!, 'message:new').message).toEqual(sent);
    expect(messageIds(resumed)).not.toContain(sent.messageId);
  });
});

describe('positions the server does not honour start a new fresh sync', () => {
  async function expectFreshSync(accessToken: string, lastEventId: string): Promise<SseEvent[]> {
    const events = await syncOnce(accessToken, { 'last-event-id': lastEventId });
    expect(payloadOf(events[0]!, 'connected').mode).toBe('fresh');
    expect(events[1]!.event).toBe('sync:initial');
    return events;
  }

  it('malformed ids, a snapshot the device never had, and the retired oldest-first (`f…`) form', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken);
    const { snapshotSeq } = payloadOf(full[1]!, 'sync:initial');
    for (const id of [
      'garbage',
      `h${snapshotSeq}:1`,
      `h${snapshotSeq}:x:0`,
      `f${snapshotSeq}:1:0`,
      '-5',
      '1e3',
      `h${snapshotSeq + 1000}:0:0`,
    ]) {
      const events = await expectFreshSync(desktop.accessToken, id);
      expect(messageIds(events)).toEqual(messageIds(full));
    }
  });

  it("another device's position, and this device's own position from an older plan", async () => {
    const first = await linkDesktopDirectly(server, phone.session.userId);
    const firstSync = await syncOnce(first.accessToken);
    const oldPosition = firstSync.find((e) => e.event === 'phase_1_last_chat_ready')!.id!;
    // A change moves the user's seq on: plans made after it have another snapshot.
    await phone.api.call('updateMyChatState', {
      params: { chatId: payloadOf(firstSync[1]!, 'sync:initial').plan.phase1[0]! },
      body: { opened: true },
    });
    const second = await linkDesktopDirectly(server, phone.session.userId);
    const secondSync = await syncOnce(second.accessToken);
    const foreign = secondSync.find((e) => e.event === 'phase_2_last_10_chats_ready')!;
    expect(freshPosition(foreign).snapshotSeq).toBeGreaterThan(freshPosition(firstSync[1]!).snapshotSeq);

    // The first device's stored plan is still the older one: the second device's position isn't its own.
    const fresh = await expectFreshSync(first.accessToken, foreign.id!);
    expect(messageIds(fresh)).toEqual(messageIds(secondSync));
    // And now its plan is the newer one, so its own old position is stale.
    await expectFreshSync(first.accessToken, oldPosition);
  });
});

describe('a live resume by seq', () => {
  it("a seq past the user's latest is sync:error cursor_ahead, the stream ends, and no cursor is stored", async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const { db } = server.server.deps;
    const { lastSeq } = await db.user.findUniqueOrThrow({ where: { id: phone.session.userId } });
    const starts: Array<[string, Record<string, string>]> = [
      ['', { 'last-event-id': String(lastSeq + 1) }],
      [`since=${lastSeq + 1}`, {}],
    ];
    for (const [query, headers] of starts) {
      const stream = await openSse(server.url, query, { ...bearer(desktop.accessToken), ...headers });
      const events = await stream.ended();
      expect(events).toEqual([
        {
          event: 'sync:error',
          data: { code: 'cursor_ahead', message: expect.any(String), retryable: false },
          id: null,
        },
      ]);
      payloadOf(events[0]!, 'sync:error');
    }
    expect((await db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } })).syncCursor).toBeNull();
  });
});
