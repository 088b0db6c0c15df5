import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiClient, type MessageRecord } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { sendText } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { BufferingProxy } from './support/buffering-proxy';
import { pairDesktop, until, untilProgress } from './support/desktop';
import { markOpened, seedChats } from './support/seed';

// A desktop behind a proxy that buffers event streams: the first sync still completes (a finite stream,
// flushed when it ends), live changes then come over GET /sync/changes, and once the proxy passes streams
// again the desktop goes back to its stream. Nothing is lost or applied twice on the way.

describe('sync through a proxy that buffers the stream', () => {
  let server: TestServer;
  let proxy: BufferingProxy;
  let dir: string;
  let core: DesktopCore | undefined;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SSE_HEARTBEAT_SECONDS: '0.5' });
    proxy = await new BufferingProxy(server.server.port).start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-buffering-'));
  });
  afterAll(async () => {
    await core?.stop();
    await proxy.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('first sync, live messages over requests, then back to the stream: 0 lost, 0 duplicated', async () => {
    const phone = await signUpPhone(server, 'buffered');
    const chats = await seedChats(server, phone.session, { chats: 4, messagesPerChat: () => 12 });
    await markOpened(server, phone.session, chats[0]!.chatId);
    const phoneViaProxy = {
      session: phone.session,
      api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
    };
    const vault = await pairDesktop(proxy.url, phoneViaProxy, dir);
    const opened = await DesktopCore.open({
      dataDir: dir,
      vault,
      backoff: { initialMs: 20, maxMs: 200 },
      fallback: { streamBlockedMs: 1_500, pollIntervalMs: 100, streamRetryMs: 4_000 },
    });
    if (!opened) throw new Error('desktop is not linked');
    core = opened;
    const desktop = opened;
    const stored: string[] = [];
    desktop.engine.onMessages((messages: MessageRecord[]) => stored.push(...messages.map((m) => m.messageId)));
    await desktop.start();

    // The first stream is held back → a finite stream brings the whole first sync.
    await untilProgress(desktop, (p) => p.primed, 30_000);
    expect(proxy.heldBack).toBeGreaterThanOrEqual(1);
    for (const chat of chats) expect(desktop.store.listMessages(chat.chatId, 1_000)).toHaveLength(12);

    // Live, with every stream still held back: the changes come over requests.
    const api = server.client(() => phone.session.tokens.accessToken);
    const say = (i: number) =>
      sendText(api, phone.session, chats[i % chats.length]!.chatId, chats[i % chats.length]!.key, `live ${i}`);
    const live: MessageRecord[] = [];
    for (let i = 0; i < 6; i++) live.push(await say(i));
    await untilProgress(desktop, (p) => p.transport === 'polling' && p.connection === 'connected', 15_000);
    await until(() => live.every((m) => stored.includes(m.messageId)), 15_000);

    // The proxy is fixed: at the next retry the stream gets through, and the desktop follows it again.
    proxy.buffering = false;
    await untilProgress(desktop, (p) => p.transport === 'stream' && p.connection === 'connected', 15_000);
    for (let i = 6; i < 10; i++) live.push(await say(i));
    await until(() => live.every((m) => stored.includes(m.messageId)), 15_000);

    expect(new Set(stored).size).toBe(stored.length);
    for (const chat of chats) {
      const local = desktop.store.listMessages(chat.chatId, 1_000).map((m) => m.id);
      const remote = await server.server.deps.db.message.findMany({ where: { chatId: chat.chatId } });
      expect(local.sort()).toEqual(remote.map((m) => m.id).sort());
    }
  });
});
