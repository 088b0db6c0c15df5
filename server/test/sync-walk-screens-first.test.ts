import { FIRST_SCREEN_MESSAGES, type SyncPlan } from '../../common/contract';
import { initCrypto } from '../../common/crypto';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { seedChat } from './support/history-seed';
import { signUpPhone } from './support/phone';
import { openSse, type SseEvent } from './support/sse-client';
import { bearer, payloadOf, readUntil, syncedMessages } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// The walk of a fresh sync's phases 2 and 3: every chat's newest screen first, then the rest of each — so the
// 10 most recent chats are readable after 10 screens, not after nine chats' whole histories. Resuming from any
// position sends exactly the rest; a plan stored before the walk existed is still walked chat by chat.

const BIG = FIRST_SCREEN_MESSAGES + 30;
let server: TestServer;
let phone: Awaited<ReturnType<typeof signUpPhone>>;
let chats: Array<{ chatId: string; newestFirst: string[] }>;
const sizeOf = (chatId: string) => chats.find((c) => c.chatId === chatId)!.newestFirst.length;
const historyOf = (chatId: string) => chats.find((c) => c.chatId === chatId)!.newestFirst;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ SYNC_BATCH_MESSAGES: '150', SYNC_MAX_CHATS: '12' });
  phone = await signUpPhone(server, 'walker');
  // 12 chats, updated one minute apart (index 11 the newest). Phase 2 holds three chats longer than a screen
  // among small ones; phase 3 one long and one small. The last opened chat (index 5) is small.
  const base = Date.now() - 3_600_000;
  chats = [];
  for (let k = 0; k < 12; k++) {
    const messages = [0, 7, 9, 11].includes(k) ? BIG : 3 + k;
    chats.push(
      await seedChat(server, phone, { title: `w${k}`, messages, bytes: 80, updatedAt: new Date(base + k * 60_000) }),
    );
  }
  await phone.api.call('updateMyChatState', { params: { chatId: chats[5]!.chatId }, body: { opened: true } });
});
afterAll(() => server.stop());

async function syncOnce(accessToken: string, headers: Record<string, string> = {}): Promise<SseEvent[]> {
  const stream = await openSse(server.url, '', { ...bearer(accessToken), ...headers });
  try {
    return await readUntil(stream, 'cache_primed');
  } finally {
    stream.close();
  }
}

const messageIds = (events: readonly SseEvent[]) => syncedMessages(events).map((m) => m.messageId);

/** The messages of one phase's span of the stream. */
function phaseMessages(events: readonly SseEvent[], phase: 1 | 2 | 3) {
  return events
    .filter((e) => e.event === 'message:sync')
    .map((e) => payloadOf(e, 'message:sync'))
    .filter((batch) => batch.phase === phase)
    .flatMap((batch) => batch.messages);
}

describe('screens first', () => {
  it("in phases 2 and 3, every chat's newest screen comes before any chat's older history; each chat completes once, whole", async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const events = await syncOnce(desktop.accessToken);
    const { plan } = payloadOf(events[1]!, 'sync:initial');
    expect(plan.phase1).toEqual([chats[5]!.chatId]);
    expect(plan.phase2.filter((id) => sizeOf(id) === BIG)).toHaveLength(3);
    expect(plan.phase3.filter((id) => sizeOf(id) === BIG)).toHaveLength(1);

    for (const phase of [2, 3] as const) {
      const planned = plan[`phase${phase}`];
      const screens = planned.flatMap((id) => historyOf(id).slice(0, FIRST_SCREEN_MESSAGES));
      const rest = planned.flatMap((id) => historyOf(id).slice(FIRST_SCREEN_MESSAGES));
      expect(rest.length).toBeGreaterThan(0);
      expect(phaseMessages(events, phase).map((m) => m.messageId)).toEqual([...screens, ...rest]);
    }
    // A chat is complete once, after all of it arrived, whatever step it was in when it ended.
    const seen = new Map<string, number>();
    const completed: string[] = [];
    for (const event of events.filter((e) => e.event === 'message:sync')) {
      const batch = payloadOf(event, 'message:sync');
      for (const m of batch.messages) seen.set(m.chatId, (seen.get(m.chatId) ?? 0) + 1);
      for (const id of batch.chatsCompleted) expect(seen.get(id) ?? 0).toBe(sizeOf(id));
      completed.push(...batch.chatsCompleted);
    }
    expect(completed).toEqual([...plan.phase1, ...plan.phase2, ...plan.phase3]);
  });

  it('resuming from any position the stream gave sends exactly the rest, in the same walk', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken);
    const cuts = [...full.entries()].filter(([, e]) => e.id?.startsWith('h'));
    expect(cuts.length).toBeGreaterThan(8);
    for (const [i, cut] of cuts) {
      const resumed = await syncOnce(desktop.accessToken, { 'last-event-id': cut.id! });
      expect(payloadOf(resumed[0]!, 'connected').mode).toBe('resume-fresh');
      expect(messageIds(resumed)).toEqual(messageIds(full.slice(i + 1)));
    }
  });

  it('the sync status of a device part-way counts the walk: it rises with every batch applied and never reaches 100', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken);
    const percents: number[] = [];
    for (const event of full.filter((e) => e.event === 'message:sync')) {
      await server.server.deps.db.device.update({
        where: { id: desktop.deviceId },
        data: { syncedPosition: event.id },
      });
      const { status } = await desktop.api.call('getSyncStatus', {});
      if (status.state !== 'first_sync') throw new Error(`expected first_sync, got ${status.state}`);
      percents.push(status.percent);
    }
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[0]).toBeLessThan(10);
    expect(percents.at(-1)).toBe(99);
  });

  it('a plan stored before the walk was recorded (a desktop mid-sync when the server was upgraded) resumes chat by chat', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken);
    const { plan, snapshotSeq } = payloadOf(full[1]!, 'sync:initial');
    // The row as the previous server wrote it: the contract's plan alone.
    const { db } = server.server.deps;
    await db.device.update({ where: { id: desktop.deviceId }, data: { syncPlan: JSON.stringify(plan) } });
    const order = (p: SyncPlan) => [...p.phase1, ...p.phase2, ...p.phase3];
    // Chat index 3 at offset 0 in the old walk: the fourth chat of the plan and all after it, each whole.
    const resumed = await syncOnce(desktop.accessToken, { 'last-event-id': `h${snapshotSeq}:3:0` });
    expect(payloadOf(resumed[0]!, 'connected').mode).toBe('resume-fresh');
    expect(messageIds(resumed)).toEqual(order(plan).slice(3).flatMap(historyOf));
  });
});
