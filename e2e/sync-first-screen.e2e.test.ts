import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIRST_SCREEN_MESSAGES } from '../common/contract';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import type { ParsedEvent } from '../desktop/src/core/sync/event-applier';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { linkAndSync } from './support/desktop';
import { markOpened, seedChats } from './support/seed';

type Batch = Extract<ParsedEvent, { name: 'message:sync' }>;
const batches = (events: ParsedEvent[], phase?: number) =>
  events.filter((e): e is Batch => e.name === 'message:sync' && (phase === undefined || e.payload.phase === phase));

/**
 * The server's batching with its default sizes (the other sync tests shrink batches to a few messages):
 * the last opened chat's first batch is one screen, newest first; batches are bounded by bytes too.
 */
describe('history batches at the default sizes', () => {
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];
  beforeAll(initCrypto);
  afterAll(async () => {
    for (const core of cores) await core.stop();
    for (const server of servers) await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function syncAccount(env: Record<string, string>, opened: number, others = 0) {
    const server = await startTestServer(env);
    servers.push(server);
    const phone = await signUpPhone(server, 'screen');
    const chats = await seedChats(server, phone.session, {
      chats: 1 + others,
      messagesPerChat: (i) => (i === 0 ? opened : 30),
    });
    await markOpened(server, phone.session, chats[0]!.chatId);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-first-screen-'));
    dirs.push(dir);
    const events: ParsedEvent[] = [];
    const core = await linkAndSync(server.url, phone, dir, events);
    cores.push(core);
    return { core, events, chatId: chats[0]!.chatId };
  }

  it.each([
    [250, [FIRST_SCREEN_MESSAGES, 50]],
    [200, [FIRST_SCREEN_MESSAGES, 0]],
    [120, [120]],
  ])('a last opened chat of %i messages arrives as batches of %j, the newest screen first', async (count, sizes) => {
    const { core, events, chatId } = await syncAccount({}, count);
    const phase1 = batches(events, 1);
    expect(phase1.map((b) => b.payload.messages.length)).toEqual(sizes);
    expect(phase1.at(-1)!.payload.chatsCompleted).toEqual([chatId]);
    const newest = core.store
      .listMessages(chatId, FIRST_SCREEN_MESSAGES)
      .map((m) => m.id)
      .sort();
    expect(phase1[0]!.payload.messages.map((m) => m.messageId).sort()).toEqual(newest);
    expect(core.store.listMessages(chatId, 1_000)).toHaveLength(count);
    expect(core.engine.progress.lastChatReadyAt).not.toBeNull();
  });

  it('ends a batch once it reaches SYNC_BATCH_BYTES, even inside a chat, and loses nothing', async () => {
    const { core, events } = await syncAccount({ SYNC_BATCH_BYTES: '4096' }, 40, 2);
    const history = batches(events);
    for (const batch of history) {
      const bytes = batch.payload.messages.reduce((n, m) => n + m.ciphertext.length, 0);
      const last = batch.payload.messages.at(-1)?.ciphertext.length ?? 0;
      // Checked after each message: a batch passes the bound by less than its last envelope.
      expect(bytes - last).toBeLessThan(4096);
    }
    const total = history.reduce((n, b) => n + b.payload.messages.reduce((m, x) => m + x.ciphertext.length, 0), 0);
    expect(total).toBeGreaterThan(3 * 4096);
    expect(history.length).toBeGreaterThanOrEqual(Math.floor(total / 4096));
    // Chats of ~4.5–6 KB are cut inside the chat, not only between chats.
    expect(
      history.map((b) => [b.payload.phase, b.payload.messages.length, b.payload.chatsCompleted.length]),
    ).toContainEqual([1, expect.any(Number), 0]);
    // …and never cut short: a batch under the bound ends where a chat ends (or is the first screen).
    for (const [i, batch] of history.entries()) {
      const bytes = batch.payload.messages.reduce((n, m) => n + m.ciphertext.length, 0);
      if (bytes < 4096 && i > 0) expect(batch.payload.chatsCompleted.length).toBeGreaterThan(0);
    }
    expect(history.reduce((n, b) => n + b.payload.messages.length, 0)).toBe(40 + 2 * 30);
    expect(core.store.allMessageIds()).toHaveLength(100);
  });
});
