import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { sendText } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { seededRandom } from './support/random';
import { markOpened, seedChats } from './support/seed';

const ENV = { SYNC_BATCH_MESSAGES: '5', SSE_HEARTBEAT_SECONDS: '0.5' };

/** Local store = server, for every chat the desktop holds: same message ids, same statuses, nothing twice. */
async function expectConverged(core: DesktopCore, server: TestServer): Promise<void> {
  const chats = core.store.listChats();
  expect(chats.length).toBeGreaterThan(0);
  for (const chat of chats) {
    const local = core.store.listMessages(chat.id, 10_000);
    const remote = await server.server.deps.db.message.findMany({ where: { chatId: chat.id } });
    expect(local.map((m) => `${m.id}:${m.status}`).sort()).toEqual(remote.map((m) => `${m.id}:${m.status}`).sort());
    expect(new Set(local.map((m) => m.client_key)).size).toBe(local.length);
  }
}

describe.each([11, 23, 42])(
  'sync with seeded chaos (seed %i): cuts and restarts at random points of every phase',
  (seed) => {
    let server: TestServer;
    let proxy: CuttingProxy;
    let dir: string;
    let core: DesktopCore | undefined;

    beforeAll(async () => {
      await initCrypto();
      server = await startTestServer(ENV);
      proxy = await new CuttingProxy(server.server.port).start();
      dir = mkdtempSync(path.join(os.tmpdir(), 'symc-chaos-'));
    });
    afterAll(async () => {
      await core?.stop();
      await proxy.stop();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('ends with the server’s state: 0 lost, 0 duplicated', async () => {
      const random = seededRandom(seed);
      const phone = await signUpPhone(server, `chaos${seed}`);
      const chats = await seedChats(server, phone.session, {
        chats: 30,
        messagesPerChat: (i) => (i === 12 ? 80 : 1 + ((i * 7) % 9)),
      });
      await markOpened(server, phone.session, chats[12]!.chatId);
      // The QR names the server as the desktop reaches it (the proxy), so the phone links through it too.
      const phoneViaProxy = {
        session: phone.session,
        api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
      };
      const vault = await pairDesktop(proxy.url, phoneViaProxy, dir);
      core = await openDesktop(dir, vault);
      // The proxy reads the stream as it passes: in each phase it cuts at a random batch, forwarding a
      // random prefix of that chunk first (so the cut lands inside an event as often as between events).
      // Each phase is cut several times; the server is restarted once, during a randomly chosen phase.
      const cutPhases: string[] = [];
      const cutsLeft: Record<number, number> = { 1: 2, 2: 2, 3: 3 };
      const restartPhase = 1 + Math.floor(random() * 3);
      let restarted: Promise<void> | null = null;
      let batchesThisConnection = 0;
      let threshold = 1 + Math.floor(random() * 3);
      proxy.inspect = (chunk) => {
        const text = chunk.toString('latin1');
        const batches = [...text.matchAll(/event: message:sync\ndata: \{"phase":(\d)/g)];
        for (let i = 0; i < batches.length; i++) {
          const phase = Number(batches[i]![1]);
          if (phase === restartPhase && !restarted) {
            restarted = (async () => {
              await server.stop({ keepData: true });
              server = await startTestServer(ENV, { dataDir: server.dataDir, port: server.server.port });
            })();
          }
          batchesThisConnection++;
          if ((cutsLeft[phase] ?? 0) <= 0 || batchesThisConnection < threshold) continue;
          cutsLeft[phase]!--;
          cutPhases.push(`phase${phase}`);
          batchesThisConnection = 0;
          threshold = 1 + Math.floor(random() * 3);
          // Somewhere inside this batch event (or between it and the next).
          const from = batches[i]!.index!;
          const to = batches[i + 1]?.index ?? chunk.length;
          return from + Math.floor(random() * (to - from));
        }
        return null;
      };
      await core.start();

      // The phone keeps talking meanwhile: these must arrive exactly once too.
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, Math.floor(random() * 150)));
        await until(
          async () => {
            const chat = chats[Math.floor(random() * chats.length)]!;
            try {
              await sendText(
                server.client(() => phone.session.tokens.accessToken),
                phone.session,
                chat.chatId,
                chat.key,
                `live ${i}`,
              );
              return true;
            } catch {
              return false; // the server is restarting
            }
          },
          10_000,
          'a live send',
        );
      }
      await untilProgress(core, (p) => p.primed, 30_000);
      await restarted;
      proxy.inspect = null;
      for (const phase of ['phase1', 'phase2', 'phase3']) expect(cutPhases).toContain(phase);
      expect(restarted).not.toBeNull();
      // One more live message after everything settled, then compare.
      const last = chats[0]!;
      const m = await sendText(
        server.client(() => phone.session.tokens.accessToken),
        phone.session,
        last.chatId,
        last.key,
        'final',
      );
      await until(() => core!.store.getMessage(last.chatId, m.messageId) !== null, 10_000, 'the final live message');
      await expectConverged(core, server);
    }, 90_000);
  },
);
