import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import type { ParsedEvent } from '../desktop/src/core/sync/event-applier';
import { sendText, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { markOpened, seedChats } from './support/seed';

/**
 * The pairing confirm prepares the new desktop's fresh sync (plan, manifest, first screen) while the
 * desktop opens its keys and store; its first stream starts from that preparation. What changed in
 * between still arrives, and a stream asking for another budget computes its own.
 */
describe('a fresh sync prepared at pairing', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const core of cores) await core.stop();
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const outcomes = async () =>
    Object.fromEntries(
      (await server.server.deps.metrics.freshSyncPreparations.get()).values.map((v) => [v.labels.outcome, v.value]),
    );

  async function linked(name: string) {
    const phone = await signUpPhone(server, name);
    const chats = await seedChats(server, phone.session, { chats: 8, messagesPerChat: (i) => 10 + i });
    await markOpened(server, phone.session, chats[3]!.chatId);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-fresh-sync-preparation-'));
    dirs.push(dir);
    const vault = await pairDesktop(server.url, phone, dir);
    await until(() => server.server.deps.freshSyncPreparations.size === 1, 5_000, 'the preparation');
    return { phone, chats, dir, vault };
  }

  it('the first stream starts from it, and what changed since pairing still arrives', async () => {
    const before = await outcomes();
    const { phone, chats, dir, vault } = await linked('prepared');
    // After the preparation, before the desktop connects: a new message in the last opened chat, a new chat.
    const late = await sendText(phone.api, phone.session, chats[3]!.chatId, chats[3]!.key, 'sent after pairing');
    const { chat: fresh } = await startChat(phone.api, phone.session, {
      title: 'Started after pairing',
      memberUsernames: [],
    });

    const core = await openDesktop(dir, vault);
    cores.push(core);
    const events: ParsedEvent[] = [];
    core.engine.onEvents((run) => events.push(...run));
    await core.start();
    await untilProgress(core, (p) => p.primed);
    await until(
      () => core.store.getMessage(chats[3]!.chatId, late.messageId) !== null && core.store.hasChat(fresh.chatId),
      10_000,
      'the changes after pairing',
    );

    expect((await outcomes()).used ?? 0).toBe((before.used ?? 0) + 1);
    expect(server.server.deps.freshSyncPreparations.size).toBe(0);
    const manifest = events.find((e) => e.name === 'sync:initial');
    expect(manifest?.name === 'sync:initial' && manifest.payload.lastOpenedChatId).toBe(chats[3]!.chatId);
    const firstBatch = events.find((e) => e.name === 'message:sync');
    expect(
      firstBatch?.name === 'message:sync' && firstBatch.payload.messages.every((m) => m.chatId === chats[3]!.chatId),
    ).toBe(true);
    for (const chat of chats) {
      const remote = await server.server.deps.db.message.count({ where: { chatId: chat.chatId } });
      expect(core.store.listMessages(chat.chatId, 1_000)).toHaveLength(remote);
    }
  });

  it('a stream asking for another chat budget computes its own plan', async () => {
    const before = await outcomes();
    const { dir, vault } = await linked('budgeted');
    const core = await openDesktop(dir, vault, { maxChats: 5, maxBytes: 50 * 2 ** 20 });
    cores.push(core);
    const events: ParsedEvent[] = [];
    core.engine.onEvents((run) => events.push(...run));
    await core.start();
    await untilProgress(core, (p) => p.primed);
    expect((await outcomes()).none ?? 0).toBe((before.none ?? 0) + 1);
    const manifest = events.find((e) => e.name === 'sync:initial');
    expect(manifest?.name === 'sync:initial' && manifest.payload.chats.length).toBe(5);
    expect(core.store.listChats()).toHaveLength(5);
  });
});
