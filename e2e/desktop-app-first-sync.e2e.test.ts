import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import { AppService } from '../desktop/src/app/app-service';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { ChatReader } from '../desktop/src/core/view/chat-reader';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { until } from './support/desktop';
import { markOpened, seedChats } from './support/seed';

/**
 * The app service (what Electron's main process hosts) during a first sync: it decrypts the history
 * once, to build the search index when the history is in — not also batch by batch as it arrives, which
 * doubled the sync's crypto work on the process that runs it.
 */
describe('the desktop app during its first sync', () => {
  let server: TestServer;
  let dir: string;
  let app: AppService;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '25' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-first-sync-'));
  });
  afterAll(async () => {
    await app?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decrypts each history message once (for the search index), and search then finds them', async () => {
    const phone = await signUpPhone(server, 'appsync');
    const chats = await seedChats(server, phone.session, {
      chats: 4,
      messagesPerChat: () => 60,
      textOf: (c, i) => `history line ${c}-${i}`,
    });
    await markOpened(server, phone.session, chats[2]!.chatId);
    const decrypts = jest.spyOn(ChatReader.prototype, 'display');

    app = new AppService({
      serverUrl: server.url,
      dataDir: dir,
      vault: new FileKeyVault(path.join(dir, 'keys')),
      deviceName: 'App',
      platform: 'linux',
      backoff: { initialMs: 20, maxMs: 200 },
    });
    await app.start();
    const shown = new Promise<{ link: string; checkCode: string }>((resolve) => {
      app.onEvent((event, payload) => {
        const view = payload as { kind?: string; link?: string; checkCode?: string };
        if (event === 'pairingState' && view.kind === 'showing')
          resolve({ link: view.link!, checkCode: view.checkCode! });
      });
    });
    app.startPairing();
    const { link, checkCode } = await shown;
    await approvePairing(phone.api, phone.session, await lookupPairing(phone.api, parsePairingInput(link)), checkCode);
    await until(() => app.searchIndex().ready, 20_000, 'the first sync and the search index');

    const history = 4 * 60;
    // (The warm-up while the QR was shown decrypted made-up messages of its own: not counted.)
    const ours = new Set(chats.map((c) => c.chatId));
    const calls = decrypts.mock.calls.filter(([, row]) => ours.has(row.chat_id));
    expect(new Set(calls.map(([, row]) => row.id)).size).toBe(history);
    // Once each for the index build, plus the views that show a chat (last-message previews, the open chat).
    expect(calls.length).toBeLessThan(history + 4 * 10);
    decrypts.mockRestore();

    const hits = app.searchIndex().index!.search('history line 3-59');
    expect(hits.some((h) => h.chatId === chats[3]!.chatId)).toBe(true);
  });
});
