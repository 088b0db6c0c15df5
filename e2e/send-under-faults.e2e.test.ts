import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { readMessage, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';

/** The desktop's POSTs of new messages (not the stream, not hello). */
const SENDS = /^POST \/chats\/[^/]+\/messages$/;

/**
 * Sends while the server is behind a proxy that answers for it: a deploy (503) is waited out with backoff,
 * only a definitive 4xx fails a message, and the user's retry sends that same message once.
 */
describe('desktop sends under faults', () => {
  let server: TestServer;
  let proxy: CuttingProxy;
  let dir: string;
  let core: DesktopCore;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  let chatKey: Awaited<ReturnType<typeof startChat>>['chatKey'];

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    proxy = await new CuttingProxy(server.server.port).start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-send-faults-'));
    phone = await signUpPhone(server, 'faultphone');
    ({
      chat: { chatId },
      chatKey,
    } = await startChat(phone.api, phone.session, { title: 'Deploys', memberUsernames: [] }));
    const viaProxy = {
      session: phone.session,
      api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
    };
    core = await openDesktop(dir, await pairDesktop(proxy.url, viaProxy, dir));
    await core.start();
    await untilProgress(core, (p) => p.primed && p.connection === 'connected');
  });
  afterAll(async () => {
    await core.stop().catch(() => undefined);
    await proxy.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const copiesOnServer = async (text: string) => {
    const page = await phone.api.call('listMessages', { params: { chatId }, query: { limit: 100 } });
    return page.messages.filter((m) => readMessage(m, chatKey).text === text);
  };

  it('a send answered 503 (a deploy) stays queued, is retried with backoff, and lands once when the server is back', async () => {
    proxy.answerRequests({ status: 503, requests: SENDS });
    const before = proxy.faultsAnswered;
    const sent = await core.engine.outbox.send(chatId, 'sent during a deploy');
    expect(sent).toMatchObject({ queued: true, failed: null });
    // Several attempts are answered 503 (backoff 20…200 ms here); the message is never marked failed.
    await until(() => proxy.faultsAnswered - before >= 3, 10_000, 'retries during the deploy');
    expect(core.engine.outbox.failures(chatId).size).toBe(0);
    expect(core.engine.outbox.pending()).toBe(1);
    expect(core.store.getMessage(chatId, sent.messageId)?.status).toBe('queued');
    // The stream stayed up the whole time: only the outbox's own retries can deliver it.
    expect(core.engine.progress.connection).toBe('connected');

    proxy.answerRequests(null);
    await until(
      () => core.store.getMessage(chatId, sent.messageId)?.status === 'sent',
      10_000,
      'the retry after the deploy',
    );
    expect(core.engine.outbox.pending()).toBe(0);
    expect((await copiesOnServer('sent during a deploy')).map((m) => m.messageId)).toEqual([sent.messageId]);
  });

  it('a whole deploy (every request 503, the stream too): the desktop backs off, then resumes and sends once', async () => {
    proxy.answerRequests({ status: 503 });
    core.engine.dropConnection();
    let connects = 0;
    const off = core.engine.onProgress((p) => {
      if (p.connection === 'connecting') connects++;
    });
    await until(() => /503/.test(core.engine.progress.lastError ?? ''), 10_000, 'the 503');
    const sent = await core.engine.outbox.send(chatId, 'sent while everything was down');
    expect(sent.queued).toBe(true);
    const during = await sendText(phone.api, phone.session, chatId, chatKey, 'from the phone during the deploy');
    await new Promise((r) => setTimeout(r, 1_000));
    // Backoff (20…200 ms here), not a reconnect storm.
    expect(connects).toBeLessThan(20);
    expect(core.engine.progress.connection).not.toBe('connected');
    off();

    proxy.answerRequests(null);
    await untilProgress(core, (p) => p.connection === 'connected');
    await until(
      () => core.engine.outbox.pending() === 0 && core.store.getMessage(chatId, during.messageId) !== null,
      15_000,
      'resuming',
    );
    expect((await copiesOnServer('sent while everything was down')).map((m) => m.messageId)).toEqual([sent.messageId]);
  });

  it('a network failure (connection reset) is retried the same way', async () => {
    proxy.inspect = (chunk) => (chunk.toString('latin1').startsWith('HTTP/1.1 201') ? 0 : null);
    const sent = await core.engine.outbox.send(chatId, 'answer lost once');
    proxy.inspect = null;
    expect(sent.queued).toBe(true);
    await until(() => core.engine.outbox.pending() === 0, 10_000, 'the retry');
    expect(await copiesOnServer('answer lost once')).toHaveLength(1);
  });

  it('a definitive 4xx fails the message with the reason, it is not retried, and the user’s retry sends it once', async () => {
    const refusal = { error: { code: 'forbidden', message: 'you are not a member of this chat' } };
    proxy.answerRequests({ status: 403, body: refusal, requests: SENDS });
    const sent = await core.engine.outbox.send(chatId, 'refused at first');
    expect(sent).toMatchObject({ queued: false, failed: 'you are not a member of this chat' });
    expect(core.engine.outbox.failures(chatId).get(sent.messageId)).toBe('you are not a member of this chat');
    expect(core.engine.outbox.pending()).toBe(0);
    const answered = proxy.faultsAnswered;
    // No automatic retry, and a reconnect's hello does not replay it either.
    core.engine.dropConnection();
    await untilProgress(core, (p) => p.connection === 'connected');
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.faultsAnswered).toBe(answered);
    expect(await copiesOnServer('refused at first')).toHaveLength(0);

    proxy.answerRequests(null);
    await expect(core.engine.outbox.retry(chatId, sent.messageId)).resolves.toEqual({ state: 'sent' });
    expect(core.engine.outbox.failures(chatId).size).toBe(0);
    expect(core.store.getMessage(chatId, sent.messageId)?.status).toBe('sent');
    expect((await copiesOnServer('refused at first')).map((m) => m.messageId)).toEqual([sent.messageId]);
  });
});
