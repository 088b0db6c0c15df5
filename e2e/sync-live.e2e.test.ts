import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { chatKeyFor, readMessage, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';

describe('live sync between phone and desktop', () => {
  let server: TestServer;
  let proxy: CuttingProxy;
  let dir: string;
  let core: DesktopCore;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let friend: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  let chatKey: Awaited<ReturnType<typeof startChat>>['chatKey'];

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    proxy = await new CuttingProxy(server.server.port).start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-live-'));
    phone = await signUpPhone(server, 'livephone');
    friend = await signUpPhone(server, 'livefriend');
    ({
      chat: { chatId },
      chatKey,
    } = await startChat(phone.api, phone.session, { title: 'Us', memberUsernames: [friend.session.username] }));
    const viaProxy = {
      session: phone.session,
      api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
    };
    core = await openDesktop(dir, await pairDesktop(proxy.url, viaProxy, dir));
    await core.start();
    await untilProgress(core, (p) => p.primed);
  });
  afterAll(async () => {
    await core.stop().catch(() => undefined);
    await proxy.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a message sent on the phone appears on the desktop, decrypted only for display', async () => {
    const sent = await sendText(phone.api, phone.session, chatId, chatKey, 'from the phone');
    await until(
      () => core.store.getMessage(chatId, sent.messageId) !== null,
      10_000,
      'the phone message on the desktop',
    );
    const shown = core.reader.messages(chatId).find((m) => m.messageId === sent.messageId);
    expect(shown).toMatchObject({ text: 'from the phone', mine: true, decrypted: true });
  });

  it('a message from another user is acknowledged as delivered by the desktop, and read flows back', async () => {
    const friendKey = await chatKeyFor(
      friend.api,
      friend.session,
      await friend.api.call('getChat', { params: { chatId } }),
    );
    const m = await sendText(friend.api, friend.session, chatId, friendKey, 'hi from a friend');
    await until(
      async () => {
        const page = await friend.api.call('listMessages', { params: { chatId }, query: {} });
        return page.messages.find((x) => x.messageId === m.messageId)?.status === 'delivered';
      },
      10_000,
      'the delivered tick',
    );
    // The friend's phone reads it: the status reaches the desktop over the stream.
    await phone.api.call('markMessages', { params: { chatId }, body: { messageIds: [m.messageId], status: 'read' } });
    await until(
      () => core.store.getMessage(chatId, m.messageId)?.status === 'read',
      10_000,
      'the read status on the desktop',
    );
  });

  it('a message written on the offline desktop is queued, and reaches the phone exactly once after reconnect', async () => {
    proxy.setOffline(true);
    await until(() => core.engine.progress.connection === 'offline', 5_000, 'offline');
    const { messageId, queued } = await core.engine.outbox.send(chatId, 'written offline');
    expect(queued).toBe(true);
    expect(core.store.getMessage(chatId, messageId)?.status).toBe('queued');
    expect(core.engine.outbox.pending()).toBe(1);
    proxy.setOffline(false);
    await until(
      () => core.store.getMessage(chatId, messageId)?.status === 'sent' && core.engine.outbox.pending() === 0,
      15_000,
      'the outbox to drain',
    );
    const page = await phone.api.call('listMessages', { params: { chatId }, query: { limit: 100 } });
    const copies = page.messages.filter((m) => readMessage(m, chatKey).text === 'written offline');
    expect(copies).toHaveLength(1);
    expect(copies[0]?.messageId).toBe(messageId);
  });

  it('a send whose answer is lost is replayed by hello and still lands once', async () => {
    // The request reaches the server, the answer never comes back.
    proxy.inspect = (chunk) => (chunk.toString('latin1').startsWith('HTTP/1.1 201') ? 0 : null);
    const { messageId, queued } = await core.engine.outbox.send(chatId, 'answer lost');
    proxy.inspect = null;
    expect(queued).toBe(true);
    core.engine.dropConnection();
    await until(() => core.engine.outbox.pending() === 0, 15_000, 'the replay');
    const page = await phone.api.call('listMessages', { params: { chatId }, query: { limit: 100 } });
    expect(page.messages.filter((m) => m.messageId === messageId)).toHaveLength(1);
  });

  it('a new chat started on the phone shows up on the desktop', async () => {
    const { chat } = await startChat(phone.api, phone.session, { title: 'Brand new', memberUsernames: [] });
    await until(() => core.store.hasChat(chat.chatId), 10_000, 'the new chat');
    expect(core.reader.chatList().find((c) => c.chatId === chat.chatId)?.title).toBe('Brand new');
  });

  it('when the phone unlinks the desktop, the stream tells it and it wipes its database and keys', async () => {
    const dbFile = DesktopCore.databaseFile(dir);
    expect(existsSync(dbFile)).toBe(true);
    await phone.api.call('revokeDevice', { params: { deviceId: core.session.deviceId } });
    await until(() => core.engine.progress.connection === 'revoked', 10_000, 'revocation');
    await until(() => !existsSync(dbFile), 5_000, 'the database to be wiped');
    expect(readdirSync(path.join(dir, 'keys'))).toEqual([]);
  });
});
