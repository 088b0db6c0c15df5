import { FIRST_SCREEN_MESSAGES, type SyncPlan } from '../../common/contract';
import { initCrypto } from '../../common/crypto';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { seedChat } from './support/history-seed';
import { signUpPhone } from './support/phone';
import { openSse, type SseEvent } from './support/sse-client';
import { bearer, freshPosition, payloadOf, readUntil, syncedMessages } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// A desktop's fresh sync read off the wire of a real server: the manifest, the three phases in the
// plan's order, the batches' bounds and ids, then cache_primed. Every payload is parsed by the contract.

type Seeded = { chatId: string; newestFirst: string[]; bytes: number };
type Account = Awaited<ReturnType<typeof signUpPhone>> & { chats: Seeded[] };

/** Chats seeded oldest-updated first (`updatedAt` one minute apart), so the plan's order is known. */
async function seedAccount(
  server: TestServer,
  name: string,
  chats: ReadonlyArray<{ messages: number; bytes: number }>,
  openedIndex: number,
): Promise<Account> {
  const phone = await signUpPhone(server, name);
  const base = Date.now() - 3_600_000;
  const seeded: Seeded[] = [];
  for (const [k, spec] of chats.entries()) {
    const chat = await seedChat(server, phone, {
      title: `${name} ${k}`,
      ...spec,
      updatedAt: new Date(base + k * 60_000),
    });
    seeded.push({ ...chat, bytes: spec.bytes });
  }
  await phone.api.call('updateMyChatState', {
    params: { chatId: seeded[openedIndex]!.chatId },
    body: { opened: true },
  });
  return { ...phone, chats: seeded };
}

/** The events of a whole fresh sync, `connected` to `cache_primed`, of a newly linked desktop. */
async function freshSync(server: TestServer, account: Account, query = ''): Promise<SseEvent[]> {
  const desktop = await linkDesktopDirectly(server, account.session.userId);
  const stream = await openSse(server.url, query, bearer(desktop.accessToken));
  try {
    return await readUntil(stream, 'cache_primed');
  } finally {
    stream.close();
  }
}

const planOrder = (plan: SyncPlan) => [...plan.phase1, ...plan.phase2, ...plan.phase3];

/**
 * The walk of a new plan, written out: the last opened chat whole; then in phase 2, and again in phase 3,
 * every chat's newest screen first and after them the rest of each. A position's chat index counts these steps.
 */
function walkSteps(plan: SyncPlan): Array<{ chatId: string; from: number; until: number }> {
  const screensFirst = (chats: string[]) => [
    ...chats.map((chatId) => ({ chatId, from: 0, until: FIRST_SCREEN_MESSAGES })),
    ...chats.map((chatId) => ({ chatId, from: FIRST_SCREEN_MESSAGES, until: Infinity })),
  ];
  return [
    ...plan.phase1.map((chatId) => ({ chatId, from: 0, until: Infinity })),
    ...screensFirst(plan.phase2),
    ...screensFirst(plan.phase3),
  ];
}

/** Every message of the plan in the order the walk sends them. */
function walkOrder(plan: SyncPlan, byId: ReadonlyMap<string, Seeded>): string[] {
  return walkSteps(plan).flatMap((step) => byId.get(step.chatId)!.newestFirst.slice(step.from, step.until));
}

/** How many messages the walk has sent when it stands at `position` (the resume point it names). */
function sentBefore(
  plan: SyncPlan,
  byId: ReadonlyMap<string, Seeded>,
  position: { chatIndex: number; offset: number },
) {
  return walkSteps(plan).reduce((n, step, index) => {
    const size = byId.get(step.chatId)!.newestFirst.length;
    const end = Math.min(step.until, size);
    if (index < position.chatIndex) return n + Math.max(0, end - step.from);
    if (index === position.chatIndex) return n + Math.max(0, Math.min(position.offset, end) - step.from);
    return n;
  }, 0);
}
const phaseOf = (plan: SyncPlan, chatId: string) =>
  plan.phase1.includes(chatId) ? 1 : plan.phase2.includes(chatId) ? 2 : plan.phase3.includes(chatId) ? 3 : null;

beforeAll(() => initCrypto());

describe('fresh sync: manifest, phases and their order', () => {
  const MAX_CHATS = 13;
  let server: TestServer;
  let account: Account;
  let byId: Map<string, Seeded>;
  beforeAll(async () => {
    server = await startTestServer({ SYNC_MAX_CHATS: String(MAX_CHATS) });
    // 15 chats: the 4th (index 3) is the one last opened, with more than a first screen of history.
    const specs = Array.from({ length: 15 }, (_, k) => ({ messages: k + 1, bytes: 100 }));
    specs[3] = { messages: FIRST_SCREEN_MESSAGES + 250, bytes: 60 };
    account = await seedAccount(server, 'fresh', specs, 3);
    byId = new Map(account.chats.map((c) => [c.chatId, c]));
    await account.api.call('putSettings', {
      body: { ciphertext: `v1.${'S'.repeat(32)}.${'s'.repeat(40)}`, baseVersion: 0 },
    });
  });
  afterAll(() => server.stop());

  it('connected, then the manifest: the last opened chat, the 10 most recently updated after it, the rest up to SYNC_MAX_CHATS', async () => {
    const events = await freshSync(server, account);
    const connected = payloadOf(events[0]!, 'connected');
    const { lastSeq } = await server.server.deps.db.user.findUniqueOrThrow({ where: { id: account.session.userId } });
    expect(events[0]!.id).toBeNull();
    expect(connected).toMatchObject({ mode: 'fresh', cursor: lastSeq, heartbeatMs: 20_000 });

    const manifestEvent = events[1]!;
    const manifest = payloadOf(manifestEvent, 'sync:initial');
    expect(manifestEvent.id).toBe(`h${lastSeq}:0:0`);
    const c = account.chats.map((chat) => chat.chatId);
    expect(manifest.plan).toEqual({
      phase1: [c[3]],
      phase2: [c[14], c[13], c[12], c[11], c[10], c[9], c[8], c[7], c[6], c[5]],
      phase3: [c[4], c[2]],
    });
    expect(manifest.snapshotSeq).toBe(lastSeq);
    expect(manifest.lastOpenedChatId).toBe(c[3]);
    expect(manifest.chats.map((chat) => chat.chatId).sort()).toEqual(planOrder(manifest.plan).sort());
    const planned = planOrder(manifest.plan).map((id) => byId.get(id)!);
    expect(manifest.totals).toEqual({
      chats: MAX_CHATS,
      messages: planned.reduce((n, chat) => n + chat.newestFirst.length, 0),
      bytes: planned.reduce((n, chat) => n + chat.newestFirst.length * chat.bytes, 0),
      chatsOnServer: 15,
    });
  });

  it('streams each planned chat newest first, in plan order, phase by phase, and nothing of the chats beyond the budget', async () => {
    const events = await freshSync(server, account);
    const { plan, snapshotSeq } = payloadOf(events[1]!, 'sync:initial');
    expect(syncedMessages(events).map((m) => m.messageId)).toEqual(walkOrder(plan, byId));

    const names = events.map((e) => e.event);
    const ready = (name: string) => names.indexOf(name);
    const [p1, p2, p3] = [
      ready('phase_1_last_chat_ready'),
      ready('phase_2_last_10_chats_ready'),
      ready('phase_3_last_100_chats_ready'),
    ];
    expect(0 < p1 && p1 < p2 && p2 < p3 && p3 === names.length - 2).toBe(true);
    expect(events.at(-1)).toEqual({ event: 'cache_primed', data: { cursor: snapshotSeq }, id: String(snapshotSeq) });
    // Each batch sits in its phase's span of the stream, and says so.
    for (const [i, event] of events.entries()) {
      if (event.event !== 'message:sync') continue;
      const batch = payloadOf(event, 'message:sync');
      const phase = i < p1 ? 1 : i < p2 ? 2 : 3;
      expect(batch.phase).toBe(phase);
      for (const message of batch.messages) expect(phaseOf(plan, message.chatId)).toBe(phase);
    }
    // Each phase-ready event is the position of the next phase's first chat, with that phase's totals.
    const stats = (phase: 1 | 2 | 3) => {
      const chats = plan[`phase${phase}`].map((id) => byId.get(id)!);
      return {
        chats: chats.length,
        messages: chats.reduce((n, c) => n + c.newestFirst.length, 0),
        bytes: chats.reduce((n, c) => n + c.newestFirst.length * c.bytes, 0),
      };
    };
    // (Steps: the last opened chat, then two per chat of phases 2 and 3 — its newest screen, then the rest.)
    expect(events[p1]).toEqual({ event: 'phase_1_last_chat_ready', data: stats(1), id: `h${snapshotSeq}:1:0` });
    expect(events[p2]).toEqual({ event: 'phase_2_last_10_chats_ready', data: stats(2), id: `h${snapshotSeq}:21:0` });
    expect(events[p3]).toEqual({ event: 'phase_3_last_100_chats_ready', data: stats(3), id: `h${snapshotSeq}:25:0` });
  });

  it("the last opened chat's first batch is its newest screenful alone; the rest of it follows", async () => {
    const events = await freshSync(server, account);
    const { snapshotSeq } = payloadOf(events[1]!, 'sync:initial');
    const opened = account.chats[3]!;
    const first = payloadOf(events[2]!, 'message:sync');
    expect(first.messages.map((m) => m.messageId)).toEqual(opened.newestFirst.slice(0, FIRST_SCREEN_MESSAGES));
    expect(first).toMatchObject({ phase: 1, chatsCompleted: [] });
    expect(events[2]!.id).toBe(`h${snapshotSeq}:0:${FIRST_SCREEN_MESSAGES}`);
    const second = payloadOf(events[3]!, 'message:sync');
    expect(second.messages.map((m) => m.messageId)).toEqual(opened.newestFirst.slice(FIRST_SCREEN_MESSAGES));
    expect(second.chatsCompleted).toEqual([opened.chatId]);
    expect(events[3]!.id).toBe(`h${snapshotSeq}:0:${opened.newestFirst.length}`);
    expect(events[4]!.event).toBe('phase_1_last_chat_ready');
  });

  it("the user's settings travel between phase 2 and phase 3, with phase 2's id", async () => {
    const events = await freshSync(server, account);
    const names = events.map((e) => e.event);
    const after = names.indexOf('phase_2_last_10_chats_ready');
    const settings = events[after + 1]!;
    expect(payloadOf(settings, 'settings:sync').settings).toMatchObject({
      version: 1,
      updatedByDeviceId: account.session.deviceId,
    });
    expect(settings.id).toBe(events[after]!.id);
    expect(names.indexOf('settings:sync')).toBe(after + 1);
    expect(names.lastIndexOf('settings:sync')).toBe(after + 1);
  });

  it('a desktop asking for fewer chats (?chats=3) gets a plan of that budget; more than the server allows is capped', async () => {
    const small = payloadOf((await freshSync(server, account, 'chats=3'))[1]!, 'sync:initial');
    const c = account.chats.map((chat) => chat.chatId);
    expect(small.plan).toEqual({ phase1: [c[3]], phase2: [c[14], c[13]], phase3: [] });
    expect(small.totals).toMatchObject({ chats: 3, chatsOnServer: 15 });
    const large = payloadOf((await freshSync(server, account, 'chats=500'))[1]!, 'sync:initial');
    expect(planOrder(large.plan)).toHaveLength(MAX_CHATS);
  });

  it('an account that never opened a chat has no phase 1: its ready event comes at once, empty', async () => {
    const phone = await signUpPhone(server, 'unopened');
    const chat = await seedChat(server, phone, { title: 'only', messages: 3, bytes: 100 });
    const events = await freshSync(server, { ...phone, chats: [{ ...chat, bytes: 100 }] });
    const { plan, snapshotSeq, lastOpenedChatId } = payloadOf(events[1]!, 'sync:initial');
    expect({ plan, lastOpenedChatId }).toEqual({
      plan: { phase1: [], phase2: [chat.chatId], phase3: [] },
      lastOpenedChatId: null,
    });
    expect(events[2]).toEqual({
      event: 'phase_1_last_chat_ready',
      data: { chats: 0, messages: 0, bytes: 0 },
      id: `h${snapshotSeq}:0:0`,
    });
    expect(syncedMessages(events).map((m) => m.messageId)).toEqual(chat.newestFirst);
  });
});

describe('fresh sync: batches within SYNC_BATCH_MESSAGES and SYNC_BATCH_BYTES', () => {
  const BATCH_MESSAGES = 7;
  const BATCH_BYTES = 1024;
  let server: TestServer;
  let account: Account;
  beforeAll(async () => {
    server = await startTestServer({
      SYNC_BATCH_MESSAGES: String(BATCH_MESSAGES),
      SYNC_BATCH_BYTES: String(BATCH_BYTES),
    });
    // 12 chats: phases 1, 2 (10) and 3 (1). Large messages hit the byte bound first, small ones the count;
    // small chats share batches.
    const specs = Array.from({ length: 12 }, (_, k) =>
      k % 3 === 0 ? { messages: 10, bytes: 300 } : { messages: k % 3, bytes: 60 },
    );
    specs[5] = { messages: 30, bytes: 60 };
    account = await seedAccount(server, 'batched', specs, 5);
  });
  afterAll(() => server.stop());

  it('no batch holds more than the count, or goes on past the byte bound; none crosses a phase; ids are the position after each', async () => {
    const events = await freshSync(server, account);
    const { plan, snapshotSeq } = payloadOf(events[1]!, 'sync:initial');
    const order = planOrder(plan);
    const byId = new Map(account.chats.map((c) => [c.chatId, c]));
    expect(syncedMessages(events).map((m) => m.messageId)).toEqual(walkOrder(plan, byId));

    const batches = events.filter((e) => e.event === 'message:sync');
    const sent = new Map<string, number>();
    let sentInAll = 0;
    const completed: string[] = [];
    let previous = { chatIndex: 0, offset: 0 };
    for (const event of batches) {
      const batch = payloadOf(event, 'message:sync');
      const sizes = batch.messages.map((m) => m.ciphertext.length);
      expect(batch.messages.length).toBeLessThanOrEqual(BATCH_MESSAGES);
      // The bound is checked after each message: only the last one may take the batch past it.
      expect(sizes.slice(0, -1).reduce((n, s) => n + s, 0)).toBeLessThan(BATCH_BYTES);
      expect(new Set(batch.messages.map((m) => phaseOf(plan, m.chatId)))).toEqual(
        new Set(batch.messages.length ? [batch.phase] : []),
      );
      for (const m of batch.messages) sent.set(m.chatId, (sent.get(m.chatId) ?? 0) + 1);
      sentInAll += batch.messages.length;
      // A chat is complete only once all of it was sent.
      for (const id of batch.chatsCompleted) expect(sent.get(id)).toBe(byId.get(id)!.newestFirst.length);
      completed.push(...batch.chatsCompleted);

      const position = freshPosition(event);
      expect(position.snapshotSeq).toBe(snapshotSeq);
      // Forward only: strictly when the batch carries messages (a batch of completions alone may not move it).
      const step = position.chatIndex - previous.chatIndex || position.offset - previous.offset;
      expect(step).toBeGreaterThanOrEqual(batch.messages.length ? 1 : 0);
      // The id is the position right after the batch's last message: resuming there sends exactly the rest.
      expect(sentBefore(plan, byId, position)).toBe(sentInAll);
      previous = position;
    }
    expect(completed).toEqual(order);
    // The bounds shaped the stream: a first screen of one batch, byte-bound batches, and shared batches.
    expect(payloadOf(batches[0]!, 'message:sync').messages).toHaveLength(BATCH_MESSAGES);
    const chatsPerBatch = batches.map((e) => new Set(payloadOf(e, 'message:sync').messages.map((m) => m.chatId)).size);
    expect(Math.max(...chatsPerBatch)).toBeGreaterThan(1);
    expect(
      batches.some((e) => {
        const { messages } = payloadOf(e, 'message:sync');
        return messages.length < BATCH_MESSAGES && messages.reduce((n, m) => n + m.ciphertext.length, 0) >= BATCH_BYTES;
      }),
    ).toBe(true);
  });
});
