import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import type { ParsedEvent } from '../desktop/src/core/sync/event-applier';
import { readDatabaseBytes } from '../server/test/support/db-snapshot';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { linkAndSync } from './support/desktop';
import { markOpened, seedChats, type SeededChat } from './support/seed';

describe('phased sync of a 120-chat account into the desktop store', () => {
  let server: TestServer;
  let dir: string;
  let core: DesktopCore;
  let chats: SeededChat[];
  const events: ParsedEvent[] = [];
  const OPENED = 57; // neither among the 10 most recent nor the oldest
  const messagesPerChat = (i: number) => (i === OPENED ? 30 : (i % 4) + 1);

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '8' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-sync-'));
    const phone = await signUpPhone(server, 'phases');
    chats = await seedChats(server, phone.session, {
      chats: 120,
      messagesPerChat,
      textOf: (c, i) => `CANARY-${c}-${i}-plaintext`,
    });
    await markOpened(server, phone.session, chats[OPENED]!.chatId);
    core = await linkAndSync(server.url, phone, dir, events);
  }, 60_000);

  afterAll(async () => {
    await core?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams connected → manifest → phase 1 → phase 2 → phase 3 → cache_primed, in that order', () => {
    const markers = events
      .map((e) => (e.name === 'message:sync' ? `batch${e.payload.phase}` : e.name))
      .filter((name, i, all) => name !== all[i - 1]);
    expect(markers).toEqual([
      'connected',
      'sync:initial',
      'batch1',
      'phase_1_last_chat_ready',
      'batch2',
      'phase_2_last_10_chats_ready',
      'batch3',
      'phase_3_last_100_chats_ready',
      'cache_primed',
    ]);
  });

  it('phase 1 is exactly the last opened chat with all its messages, in several batches', () => {
    const batches = events.filter(
      (e): e is Extract<ParsedEvent, { name: 'message:sync' }> => e.name === 'message:sync',
    );
    const phase1 = batches.filter((b) => b.payload.phase === 1);
    expect(phase1.length).toBeGreaterThan(1);
    const ids = new Set(phase1.flatMap((b) => b.payload.messages.map((m) => m.chatId)));
    expect([...ids]).toEqual([chats[OPENED]!.chatId]);
    expect(phase1.reduce((n, b) => n + b.payload.messages.length, 0)).toBe(30);
    expect(core.store.listMessages(chats[OPENED]!.chatId, 1000)).toHaveLength(30);
  });

  it("history streams newest first: phase 1's first batch is the screen the user left", () => {
    const phase1 = events.filter(
      (e): e is Extract<ParsedEvent, { name: 'message:sync' }> => e.name === 'message:sync' && e.payload.phase === 1,
    );
    const order = (m: { createdAt: string; messageId: string }) => `${m.createdAt}|${m.messageId}`;
    const arrived = phase1.flatMap((b) => b.payload.messages.map(order));
    expect(arrived).toEqual([...arrived].sort().reverse());
    const newest = core.store.listMessages(chats[OPENED]!.chatId, 8).map((m) => m.id); // the 8 newest (a batch is 8 here)
    expect(phase1[0]!.payload.messages.map((m) => m.messageId).sort()).toEqual(newest.sort());
  });

  it('phase 2 holds the 10 most recently updated chats; phase 3 at most 100 chats in all', () => {
    const manifest = events.find((e) => e.name === 'sync:initial') as Extract<ParsedEvent, { name: 'sync:initial' }>;
    const newestFirst = [...chats]
      .reverse()
      .map((c) => c.chatId)
      .filter((id) => id !== chats[OPENED]!.chatId);
    expect(manifest.payload.plan.phase1).toEqual([chats[OPENED]!.chatId]);
    expect(manifest.payload.plan.phase2).toEqual(newestFirst.slice(0, 10));
    expect(manifest.payload.plan.phase3).toEqual(newestFirst.slice(10, 99));
    expect(manifest.payload.totals.chatsOnServer).toBe(120);
    const phase2Chats = new Set(
      events.flatMap((e) =>
        e.name === 'message:sync' && e.payload.phase === 2 ? e.payload.messages.map((m) => m.chatId) : [],
      ),
    );
    expect([...phase2Chats].sort()).toEqual(newestFirst.slice(0, 10).sort());
    expect(core.store.listChats()).toHaveLength(100);
  });

  it('the local store equals the server for every planned chat, and holds only ciphertext', async () => {
    for (const chat of core.store.listChats()) {
      const local = core.store
        .listMessages(chat.id, 1000)
        .map((m) => m.id)
        .sort();
      const remote = (await server.server.deps.db.message.findMany({ where: { chatId: chat.id } }))
        .map((m) => m.id)
        .sort();
      expect(local).toEqual(remote);
      expect(chat.history_complete).toBe(1);
    }
    // Everything into the main file first (a second connection may checkpoint the store's WAL).
    const raw = new Database(core.store.file);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const bytes = readDatabaseBytes(core.store.file);
    expect(bytes.includes(Buffer.from('CANARY-'))).toBe(false);
    expect(bytes.includes(Buffer.from('Chat 57'))).toBe(false);
  });

  it('decrypts only in memory: the reader shows titles and the phase-1 chat', () => {
    const list = core.reader.chatList();
    expect(list[0]?.title).toBe('Chat 119');
    const messages = core.reader.messages(chats[OPENED]!.chatId);
    expect(messages.map((m) => m.text)).toEqual(
      Array.from({ length: 30 }, (_, i) => `CANARY-${OPENED}-${i}-plaintext`),
    );
  });

  it('reports phase progress with counts', () => {
    const p = core.engine.progress;
    expect(p.phases[1]).toMatchObject({ state: 'done', chats: 1, messages: 30, expectedChats: 1 });
    expect(p.phases[2]).toMatchObject({ state: 'done', chats: 10, expectedChats: 10 });
    expect(p.phases[3]).toMatchObject({ state: 'done', chats: 89, expectedChats: 89 });
    expect(p.totals?.chats).toBe(100);
  });
});
