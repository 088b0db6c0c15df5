import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../desktop/src/core/pairing/desktop-pairing';
import { readMessage, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { createTestDatabase, type TestDatabase } from '../server/test/support/pg-database';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, until, untilProgress } from './support/desktop';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WAIT_SECONDS = 20;

/**
 * Two server instances on one PostgreSQL database, fanning out through Redis: the desktop talks only to
 * instance A, the phone only to instance B. (createDb ignores `?schema=` for PostgreSQL, hence a fresh
 * database per run.)
 */
describe('several server instances (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let dir: string;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let core: DesktopCore | null = null;

  beforeAll(async () => {
    await initCrypto();
    database = await createTestDatabase('symc_multi');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      PAIRING_WAIT_SECONDS: String(WAIT_SECONDS),
    };
    b = await startTestServer(env);
    // Behind a load balancer every instance announces the balancer's origin in its pairing links (PUBLIC_URL);
    // here the phone's instance B stands for it, and the phone refuses a link to any other server.
    a = await startTestServer({ ...env, PUBLIC_URL: b.url });
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-multi-'));
    phone = await signUpPhone(b, 'multi');
  });

  afterAll(async () => {
    await core?.stop().catch(() => undefined);
    await a?.stop();
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('the desktop waiting on A is woken by the approval on B, long before its long-poll would time out', async () => {
    const vault = new FileKeyVault(path.join(dir, 'keys'));
    const pairing = new DesktopPairing({ serverUrl: a.url, vault, deviceName: 'Desktop on A', platform: 'linux' });
    let approvedAt = 0;
    let failure: unknown = null;
    pairing.subscribe((state) => {
      if (state.kind !== 'showing') return;
      // Give the desktop's long-poll on A time to be waiting before B approves.
      setTimeout(() => {
        lookupPairing(phone.api, parsePairingInput(state.link))
          .then((pending) => approvePairing(phone.api, phone.session, pending))
          .then(
            () => (approvedAt = Date.now()),
            (error: unknown) => {
              failure = error;
              pairing.cancel();
            },
          );
      }, 300);
    });
    const final = await pairing.start();
    const linkedAt = Date.now();
    expect(failure).toBeNull();
    expect(final.kind).toBe('paired');
    // Woken through Redis: without the fan-out A would answer only when its ${WAIT_SECONDS} s long-poll expires.
    expect(linkedAt - approvedAt).toBeLessThan((WAIT_SECONDS * 1000) / 2);
    core = await openDesktop(dir, vault);
    expect(core.session.serverUrl).toBe(a.url);
  }, 60_000);

  it('messages written on B (and on A, interleaved) reach the desktop streaming from A, each exactly once', async () => {
    const desktop = core!;
    const { chat, chatKey } = await startChat(phone.api, phone.session, {
      title: 'Across instances',
      memberUsernames: [],
    });
    await desktop.start();
    await untilProgress(desktop, (p) => p.primed);
    await until(() => desktop.store.hasChat(chat.chatId), 10_000, 'the chat on the desktop');

    const viaB = await sendText(phone.api, phone.session, chat.chatId, chatKey, 'written on B');
    await until(
      () => desktop.store.getMessage(chat.chatId, viaB.messageId) !== null,
      10_000,
      'the message from B on the desktop',
    );

    // Both instances publish at once: notifications can cross on the way, the stream must still deliver all.
    const phoneOnA = createApiClient({ baseUrl: a.url, accessToken: () => phone.session.tokens.accessToken });
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendText(i % 2 ? phoneOnA : phone.api, phone.session, chat.chatId, chatKey, `burst ${i}`),
      ),
    );
    await until(
      () => sent.every((m) => desktop.store.getMessage(chat.chatId, m.messageId) !== null),
      15_000,
      'the whole burst on the desktop',
    );
    const texts = desktop.reader.messages(chat.chatId, 100).map((m) => m.text);
    expect(texts.filter((t) => t.startsWith('burst ')).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `burst ${i}`).sort(),
    );
    expect(new Set(desktop.store.allMessageIds()).size).toBe(desktop.store.allMessageIds().length);

    // And back: the desktop sends through A, the phone reads it on B.
    const { messageId } = await desktop.engine.outbox.send(chat.chatId, 'from the desktop on A');
    const page = await phone.api.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 100 } });
    expect(
      readMessage(
        page.messages.find((m) => m.messageId === messageId)!,
        chatKey,
      ).text,
    ).toBe('from the desktop on A');
  }, 60_000);

  it('unlinking the desktop on B ends its stream on A and the desktop wipes itself', async () => {
    const desktop = core!;
    await phone.api.call('revokeDevice', { params: { deviceId: desktop.session.deviceId } });
    await until(() => desktop.engine.progress.connection === 'revoked', 10_000, 'the revocation on the desktop');
    await until(() => !existsSync(DesktopCore.databaseFile(dir)), 5_000, 'the local wipe');
  }, 30_000);
});
