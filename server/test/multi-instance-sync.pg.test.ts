import { initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { signUpPhone } from './support/phone';
import { openSse, type SseStream } from './support/sse-client';
import { startTestServer, type TestServer } from './support/test-server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ACCOUNTS = 3;
const HISTORY = 90;
const LIVE = 15;

type Message = { messageId: string };

/**
 * Two instances on one PostgreSQL database fanning out through Redis. Three desktops start their fresh
 * syncs on A at the same moment, in small batches (so the history pacer interleaves them page by page),
 * while each account's phone keeps sending on B. Every desktop must end up with every message of its
 * account exactly once in the live part (in seq order, no gap), and history ∪ live = the account's messages.
 * (A message committed after the snapshot may be in the history too and then again live: the desktop
 * stores by id, so that repeat is idempotent; a repeat inside the live part would be a duplicated event.)
 */
describe('concurrent fresh syncs across two instances (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    await initCrypto();
    database = await createTestDatabase('symc_multi_sync');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      SYNC_BATCH_MESSAGES: '20',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    };
    a = await startTestServer(env);
    b = await startTestServer(env);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it('no event is lost or duplicated', async () => {
    const accounts = await Promise.all(
      Array.from({ length: ACCOUNTS }, async (_, i) => {
        const phone = await signUpPhone(b, `multisync${i}`);
        const { chat, chatKey } = await startChat(phone.api, phone.session, {
          title: `chat ${i}`,
          memberUsernames: [],
        });
        for (let n = 0; n < HISTORY; n++) await sendText(phone.api, phone.session, chat.chatId, chatKey, `old ${n}`);
        const desktop = await linkDesktopDirectly(a, phone.session.userId);
        return { phone, chatId: chat.chatId, chatKey, desktop };
      }),
    );

    const streams = await Promise.all(
      accounts.map(({ desktop }) => openSse(a.url, '', { authorization: `Bearer ${desktop.accessToken}` })),
    );
    const reading = streams.map((stream) => readSync(stream, HISTORY + LIVE));
    // The phones send on B while the histories stream from A.
    await Promise.all(
      accounts.map(async ({ phone, chatId, chatKey }) => {
        for (let n = 0; n < LIVE; n++) await sendText(phone.api, phone.session, chatId, chatKey, `new ${n}`);
      }),
    );
    const results = await Promise.all(reading);
    for (const stream of streams) stream.close();

    for (const [i, { phone }] of accounts.entries()) {
      const stored = await a.server.deps.db.message.findMany({
        where: { chat: { members: { some: { userId: phone.session.userId } } } },
        select: { id: true },
      });
      expect(stored).toHaveLength(HISTORY + LIVE);
      const { history, live, liveSeqs } = results[i]!;
      expect(new Set(history).size).toBe(history.length);
      expect(new Set(live).size).toBe(live.length);
      expect(new Set([...history, ...live])).toEqual(new Set(stored.map((m) => m.id)));
      // Live events carry gap-free, increasing seqs.
      for (let k = 1; k < liveSeqs.length; k++) expect(liveSeqs[k]).toBe(liveSeqs[k - 1]! + 1);
    }
  }, 180_000);
});

/** Reads a fresh sync to its end, then live events until `total` distinct messages have arrived. */
async function readSync(stream: SseStream, total: number) {
  const history: string[] = [];
  const live: string[] = [];
  const liveSeqs: number[] = [];
  let primed = false;
  while (new Set([...history, ...live]).size < total || !primed) {
    const event = await stream.next(60_000);
    if (event.event === 'message:sync')
      history.push(...(event.data as { messages: Message[] }).messages.map((m) => m.messageId));
    else if (event.event === 'cache_primed') primed = true;
    else if (primed && event.id !== null && /^\d+$/.test(event.id)) {
      liveSeqs.push(Number(event.id));
      if (event.event === 'message:new') live.push((event.data as { message: Message }).message.messageId);
    }
  }
  return { history, live, liveSeqs };
}
