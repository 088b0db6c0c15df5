import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chatPrefOf, encryptUserSettings, type UserSettings, withChatPref } from '../common/content';
import { type ChatKey, initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { PhoneSettings } from '../mobile-pairing/src/core/chat-prefs';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { readPositionOf, unreadForMe } from '../mobile-pairing/src/core/read-state';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { storedSettings } from '../desktop/src/core/store/user-settings';
import { linkAndSync, until } from './support/desktop';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

/**
 * Read state between one account's own devices with read receipts off (docs/MESSAGES.md "Read state between
 * my devices"): a chat read on one desktop, or on the phone, is read on the others — and the sender never
 * learns it; a desktop linked afterwards starts with the same unread counts; what the server can do (replay
 * an older marker, swap in an envelope that isn't this account's) never marks an unseen message read.
 */
describe('read markers between the devices of one account', () => {
  let server: TestServer;
  let alice: Phone;
  let bob: Phone;
  let chatId: string;
  let bobsKey: ChatKey;
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];

  const newDesktop = async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-read-markers-'));
    dirs.push(dir);
    const core = await linkAndSync(server.url, alice, dir, []);
    cores.push(core);
    return core;
  };
  const unread = (core: DesktopCore) => core.unreadCounts().get(chatId) ?? 0;
  const fromBob = (text: string) => sendText(bob.api, bob.session, chatId, bobsKey, text);
  const onServer = async (who: Phone) =>
    (await who.api.call('listMessages', { params: { chatId }, query: {} })).messages;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    alice = await signUpPhone(server, 'rmalice');
    bob = await signUpPhone(server, 'rmbob');
    ({
      chat: { chatId },
    } = await startChat(alice.api, alice.session, { title: 'Quiet reading', memberUsernames: [bob.session.username] }));
    bobsKey = await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
  });
  afterAll(async () => {
    for (const core of cores) await core.stop().catch(() => undefined);
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('read on one desktop is read on the other, and Bob sees only "delivered"', async () => {
    const [one, two] = [await newDesktop(), await newDesktop()];
    await one.settings.update({ sendReadReceipts: false });
    await until(() => two.settings.read().sendReadReceipts === false, 10_000, 'the setting on the other desktop');
    for (let i = 0; i < 3; i++) await fromBob(`quietly ${i}`);
    await until(() => unread(one) === 3 && unread(two) === 3, 10_000, 'three unread on both');

    expect(await one.markRead(chatId, 100)).toBe(3);
    await until(() => unread(two) === 0, 10_000, 'read on the other desktop');
    const newest = (await onServer(alice)).at(-1)!;
    expect(chatPrefOf(two.settings.read(), chatId).readThrough).toEqual({
      at: Date.parse(newest.createdAt),
      id: newest.messageId,
    });
    // Bob's view: delivered to Alice, read by nobody — the server was never told.
    const bobs = await onServer(bob);
    expect(bobs.every((m) => (m.readBy ?? []).length === 0 && m.status !== 'read')).toBe(true);

    // A message after the marker stays unread on both until read.
    await fromBob('one more');
    await until(() => unread(one) === 1 && unread(two) === 1, 10_000, 'the newer message unread');
  }, 60_000);

  it('read on the phone is read on the desktops; a late, older marker never moves it back', async () => {
    const [one, two] = cores as [DesktopCore, DesktopCore];
    const phone = new PhoneSettings(alice.api, alice.session);
    await phone.refresh();
    const records = await onServer(alice);
    expect(records.filter((r) => unreadForMe(r, alice.session, phone.prefOf(chatId)))).toHaveLength(1);

    expect(await phone.advanceReadThrough(chatId, readPositionOf(records, alice.session)!)).toBe(true);
    await until(() => unread(one) === 0 && unread(two) === 0, 10_000, 'read on both desktops');
    expect(records.filter((r) => unreadForMe(r, alice.session, phone.prefOf(chatId)))).toEqual([]);

    // An older position (a device that read less, written late) changes nothing.
    const older = readPositionOf(records.slice(0, 1), alice.session)!;
    expect(await phone.advanceReadThrough(chatId, older)).toBe(false);
    // Even written straight into the settings by a client that doesn't check: statuses here never go back.
    await one.settings.update((s) => withChatPref(s, chatId, { readThrough: older }));
    await until(() => chatPrefOf(two.settings.read(), chatId).readThrough?.at === older.at, 10_000, 'the older marker');
    expect(unread(two)).toBe(0);
    // The phone's concurrent write and a desktop's are both kept (a 409, re-read, applied again).
    const newest = readPositionOf(records, alice.session)!;
    await phone.refresh();
    await Promise.all([
      phone.advanceReadThrough(chatId, newest),
      one.settings.update((s) => withChatPref(s, chatId, { muted: true })),
    ]);
    await phone.refresh();
    expect(phone.prefOf(chatId)).toEqual({ muted: true, readThrough: newest });
  }, 60_000);

  it('a desktop linked afterwards starts with the same unread counts', async () => {
    await fromBob('after the phone read');
    const third = await newDesktop();
    expect(unread(third)).toBe(1);
    expect(third.reader.lastMessage(chatId)?.text).toBe('after the phone read');
    expect(third.store.unread.messageIds(chatId, alice.session.userId)).toHaveLength(1);
  }, 60_000);

  it("the server can't mark anything read: an envelope that isn't this account's changes nothing", async () => {
    const [one] = cores as [DesktopCore];
    const before = unread(one);
    expect(before).toBe(1);
    const marker = chatPrefOf(one.settings.read(), chatId).readThrough;
    expect(marker).toBeDefined();
    // Bob's settings, read through everything in this chat, put in Alice's place (a lying server could).
    const far = { at: Date.now() + 86_400_000, id: 'ffffffff-ffff-7fff-bfff-ffffffffffff' };
    const forged = encryptUserSettings(
      bob.session.masterKey,
      bob.session.userId,
      withChatPref<UserSettings>({ sendReadReceipts: true }, chatId, { readThrough: far }),
    );
    const { settings } = await alice.api.call('getSettings', {});
    const stored = await alice.api.call('putSettings', {
      body: { ciphertext: forged, baseVersion: settings!.version },
    });
    await until(
      () => storedSettings(one.store)?.version === stored.version,
      10_000,
      'the forged version on the desktop',
    );
    expect(unread(one)).toBe(before);
    // The settings read stay the last that opened: the marker as it was, and read receipts still off.
    expect(chatPrefOf(one.settings.read(), chatId).readThrough).toEqual(marker);
    expect(one.settings.read().sendReadReceipts).toBe(false);
    expect(await one.markRead(chatId, 100)).toBe(1);
    expect((await onServer(bob)).every((m) => (m.readBy ?? []).length === 0)).toBe(true);
  }, 30_000);
});
