import { HELD_HISTORY_HEADER, type HeldChat, type MessageRecord } from '../../common/contract';
import { initCrypto } from '../../common/crypto';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { seedChat } from './support/history-seed';
import { signUpPhone } from './support/phone';
import { openSse, type SseEvent, tryOpenSse } from './support/sse-client';
import { bearer, payloadOf, readUntil, syncedMessages } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// A relinked desktop describes what its kept store holds (HELD_HISTORY_HEADER); a fresh plan then sends
// of each held chat only what it lacks — created, edited or deleted from `since` on, minus the ids it
// holds — the same on every resume of the plan. A malformed description is a 400 before anything is stored.

let server: TestServer;
let phone: Awaited<ReturnType<typeof signUpPhone>>;
const chats: Array<{ chatId: string; newestFirst: string[] }> = [];
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ SYNC_BATCH_MESSAGES: '4', SYNC_BATCH_BYTES: '1024' });
  phone = await signUpPhone(server, 'heldhistory');
  for (let k = 0; k < 3; k++) chats.push(await seedChat(server, phone, { title: `h${k}`, messages: 10, bytes: 60 }));
});
afterAll(() => server.stop());

async function syncOnce(accessToken: string, headers: Record<string, string>): Promise<SseEvent[]> {
  const stream = await openSse(server.url, '', { ...bearer(accessToken), ...headers });
  try {
    return await readUntil(stream, 'cache_primed');
  } finally {
    stream.close();
  }
}

const idsOf = (events: readonly SseEvent[]) => syncedMessages(events).map((m: MessageRecord) => m.messageId);

describe('a fresh plan for a relinked desktop skips what it holds', () => {
  it('a held chat sends only the messages from `since` on that are not listed; the others whole; resumes agree', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const full = await syncOnce(desktop.accessToken, {});
    const byId = new Map(syncedMessages(full).map((m) => [m.messageId, m]));
    // The desktop holds chat 0 whole up to its 3rd newest message, and lists the 3rd and 4th newest as held
    // ids from `since` (the 4th newest's time) on: the two newest are what it lacks.
    const [c0, c1, c2] = chats;
    const since = Date.parse(byId.get(c0!.newestFirst[3]!)!.createdAt);
    const held: HeldChat[] = [{ chatId: c0!.chatId, since, except: c0!.newestFirst.slice(2, 4) }];
    const header = { [HELD_HISTORY_HEADER]: JSON.stringify(held) };

    const reused = await syncOnce(desktop.accessToken, header);
    expect(payloadOf(reused[0]!, 'connected').mode).toBe('fresh');
    const sent = idsOf(reused);
    expect(sent.filter((id) => c0!.newestFirst.includes(id))).toEqual(c0!.newestFirst.slice(0, 2));
    for (const chat of [c1!, c2!]) expect(sent.filter((id) => chat.newestFirst.includes(id))).toEqual(chat.newestFirst);
    expect(new Set(sent).size).toBe(sent.length);

    // Cut anywhere and resumed with the same description: the rest, exactly once.
    for (const [i, cut] of reused.entries()) {
      if (!cut.id?.startsWith('h')) continue;
      const resumed = await syncOnce(desktop.accessToken, { ...header, 'last-event-id': cut.id });
      expect(idsOf(resumed)).toEqual(idsOf(reused.slice(i + 1)));
    }
  });

  it('a malformed description is a 400 with a readable message, and no plan is stored', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    for (const value of ['not json', JSON.stringify([{ chatId: 'x', since: -1, except: [] }]), '{"a":1}']) {
      const refusal = await tryOpenSse(server.url, '', {
        ...bearer(desktop.accessToken),
        [HELD_HISTORY_HEADER]: value,
      });
      expect(refusal).toMatchObject({ status: 400, error: { error: { code: 'validation_failed' } } });
      expect((refusal as { error: { error: { message: string } } }).error.error.message).toContain(HELD_HISTORY_HEADER);
    }
    const row = await server.server.deps.db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } });
    expect(row.syncPlan).toBeNull();
  });
});
