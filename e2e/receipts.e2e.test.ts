import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { linkAndSync, until } from './support/desktop';

/**
 * Receipts per recipient on the desktop core (docs/MESSAGES.md): three accounts in a group, Alice's
 * desktop sees who delivered and who read her message, live and through a new desktop's phased sync;
 * Bob's desktop sends read receipts only while his setting allows.
 */
describe('receipts per recipient on the desktop', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let carol: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  let desktop: DesktopCore;
  let messageId: string;

  const newDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-receipts-'));
    dirs.push(dir);
    return dir;
  };
  const mark = (who: typeof bob, status: 'delivered' | 'read', ids = [messageId]) =>
    who.api.call('markMessages', { params: { chatId }, body: { messageIds: ids, status } });

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    alice = await signUpPhone(server, 'rcalice');
    bob = await signUpPhone(server, 'rcbob');
    carol = await signUpPhone(server, 'rccarol');
    ({
      chat: { chatId },
    } = await startChat(alice.api, alice.session, {
      title: 'Three of us',
      memberUsernames: [bob.session.username, carol.session.username],
    }));
    desktop = await linkAndSync(server.url, alice, newDir(), []);
    cores.push(desktop);
  });
  afterAll(async () => {
    for (const core of cores) await core.stop().catch(() => undefined);
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("shows sent, then 'read by 1 of 2' while the summary waits for Carol, then read; who on demand", async () => {
    ({ messageId } = await desktop.send(chatId, 'dinner at eight?'));
    await until(() => desktop.reader.message(chatId, messageId)?.status === 'sent', 10_000, 'sent');
    expect(desktop.reader.message(chatId, messageId)?.receipts).toEqual({ delivered: 0, read: 0, recipients: 2 });

    await mark(bob, 'read');
    await until(() => desktop.reader.message(chatId, messageId)?.receipts?.read === 1, 10_000, "Bob's read");
    // Bob reading doesn't make it read for Carol: one status would have said "read".
    expect(desktop.reader.message(chatId, messageId)).toMatchObject({
      status: 'sent',
      receipts: { delivered: 1, read: 1, recipients: 2 },
    });

    await mark(carol, 'delivered');
    await until(() => desktop.reader.message(chatId, messageId)?.status === 'delivered', 10_000, 'delivered to all');
    await mark(carol, 'read');
    await until(() => desktop.reader.message(chatId, messageId)?.status === 'read', 10_000, 'read by all');
    expect(desktop.reader.message(chatId, messageId)?.receipts).toEqual({ delivered: 2, read: 2, recipients: 2 });

    const who = await desktop.reader.receiptDetails(chatId, messageId);
    expect(who?.map((r) => [r.userId, r.readAt !== null]).sort()).toEqual(
      [
        [bob.session.userId, true],
        [carol.session.userId, true],
      ].sort(),
    );
    // Not my message: nothing to show.
    const fromBob = await sendText(
      bob.api,
      bob.session,
      chatId,
      await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } })),
      'eight works',
    );
    await until(() => desktop.reader.message(chatId, fromBob.messageId) !== null, 10_000, "Bob's message");
    await expect(desktop.reader.receiptDetails(chatId, fromBob.messageId)).resolves.toBeNull();
  });

  it('a desktop linked afterwards syncs the same receipts', async () => {
    const second = await linkAndSync(server.url, alice, newDir(), []);
    cores.push(second);
    expect(second.reader.message(chatId, messageId)).toMatchObject({
      status: 'read',
      receipts: { delivered: 2, read: 2, recipients: 2 },
    });
  });

  it("Bob's desktop: delivered on arrival, read on open — but with read receipts off, read stays local and he sees no read state", async () => {
    const bobs = await linkAndSync(server.url, bob, newDir(), []);
    cores.push(bobs);
    const { messageId: next } = await desktop.send(chatId, 'bring dessert');
    // Delivered as it arrives live (Carol hasn't: the summary stays "sent"; Alice sees one delivered).
    await until(() => desktop.reader.message(chatId, next)?.receipts?.delivered === 1, 10_000, 'delivered by Bob');

    await bobs.settings.update({ sendReadReceipts: false });
    expect(await bobs.markRead(chatId, 100)).toBeGreaterThan(0);
    expect(bobs.unreadCounts().get(chatId) ?? 0).toBe(0);
    const alices = (await alice.api.call('listMessages', { params: { chatId }, query: {} })).messages;
    expect(alices.find((m) => m.messageId === next)?.readBy).toEqual([]);
    // Bob's own message, read by Alice: with his receipts off, he doesn't see it read.
    const mine = (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages.find(
      (m) => m.senderUserId === bob.session.userId,
    )!;
    await mark(alice, 'read', [mine.messageId]);
    await until(async () => {
      const page = await bob.api.call('listMessages', { params: { chatId }, query: {} });
      return (page.messages.find((m) => m.messageId === mine.messageId)?.readBy?.length ?? 0) === 1;
    });
    await until(() => (bobs.store.getMessage(chatId, mine.messageId)?.receipts ?? '').includes(alice.session.userId));
    expect(bobs.reader.message(chatId, mine.messageId)?.receipts?.read).toBe(0);

    await bobs.settings.update({ sendReadReceipts: true });
    expect(bobs.reader.message(chatId, mine.messageId)?.receipts?.read).toBe(1);
  });
});
