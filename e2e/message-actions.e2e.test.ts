import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { MessageActionError } from '../desktop/src/core/sync/message-actions';
import { chatKeyFor, readMessage, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { deleteForEveryone, editText } from '../mobile-pairing/src/core/message-actions';
import { readEdit } from '../common/content';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { linkAndSync, until } from './support/desktop';

/**
 * Message actions across two devices of one account (Alice's phone and desktops) and a second account
 * (Bob): live, and through the phased sync of a desktop linked afterwards (docs/MESSAGES.md).
 */
describe('message actions between phone, desktops and another account', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  let aliceKey: Awaited<ReturnType<typeof startChat>>['chatKey'];
  let bobKey: Awaited<ReturnType<typeof startChat>>['chatKey'];
  let desktop: DesktopCore;
  const ids: Record<string, string> = {};

  const newDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-actions-'));
    dirs.push(dir);
    return dir;
  };
  const shown = (core: DesktopCore, messageId: string) => core.reader.message(chatId, messageId);

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    alice = await signUpPhone(server, 'actalice');
    bob = await signUpPhone(server, 'actbob');
    ({
      chat: { chatId },
      chatKey: aliceKey,
    } = await startChat(alice.api, alice.session, { title: 'Plans', memberUsernames: [bob.session.username] }));
    bobKey = await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
    ids.original = (await sendText(alice.api, alice.session, chatId, aliceKey, 'meet at 5')).messageId;
    ids.question = (await sendText(bob.api, bob.session, chatId, bobKey, 'where?')).messageId;
    ids.forMe = (await sendText(bob.api, bob.session, chatId, bobKey, 'something alice forgets')).messageId;
    ids.oops = (await sendText(alice.api, alice.session, chatId, aliceKey, 'wrong chat, sorry')).messageId;
    desktop = await linkAndSync(server.url, alice, newDir(), []);
    cores.push(desktop);
    await desktop.reader.loadSenders([alice.session.userId, bob.session.userId]);
  });
  afterAll(async () => {
    for (const core of cores) await core.stop().catch(() => undefined);
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the desktop edits its own message; Bob sees the signed edit; the phone’s next edit reaches the desktop live', async () => {
    await desktop.actions.edit(chatId, ids.original!, 'meet at 6');
    expect(shown(desktop, ids.original!)).toMatchObject({ text: 'meet at 6', edited: { version: 1 } });

    const bobs = (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages;
    const seen = bobs.find((m) => m.messageId === ids.original)!;
    const origin = { chatId, messageId: seen.messageId, senderUserId: seen.senderUserId };
    expect(readEdit(bobKey, origin, seen.edit, alice.session.signing!.publicKey)).toMatchObject({
      state: 'verified',
      text: 'meet at 6',
    });

    await editText(alice.api, alice.session, { chatId, messageId: ids.original! }, aliceKey, 1, 'meet at 7');
    await until(() => shown(desktop, ids.original!)?.text === 'meet at 7', 10_000, 'the phone’s edit on the desktop');
    expect(shown(desktop, ids.original!)?.edited?.version).toBe(2);
  });

  it("refuses to edit or delete Bob's message, and a stale version, changing nothing", async () => {
    const before = desktop.store.getMessage(chatId, ids.question!);
    await expect(desktop.actions.edit(chatId, ids.question!, 'hijacked')).rejects.toMatchObject({
      code: 'not_author',
    });
    await expect(desktop.actions.deleteForEveryone(chatId, ids.question!)).rejects.toBeInstanceOf(MessageActionError);
    expect(desktop.store.getMessage(chatId, ids.question!)).toEqual(before);
    // The server refuses a stale version from the phone (the desktop is at version 2 too).
    await expect(
      editText(alice.api, alice.session, { chatId, messageId: ids.original! }, aliceKey, 0, 'stale'),
    ).rejects.toMatchObject({ status: 409 });
    expect(shown(desktop, ids.original!)?.text).toBe('meet at 7');
  });

  it('the desktop replies with a quote Bob reads inside the encrypted body', async () => {
    const { messageId } = await desktop.send(chatId, 'at the station', ids.question!);
    expect(shown(desktop, messageId)?.replyTo).toEqual({
      messageId: ids.question,
      senderUserId: bob.session.userId,
      text: 'where?',
    });
    await until(async () => {
      const page = await bob.api.call('listMessages', { params: { chatId }, query: {} });
      const reply = page.messages.find((m) => m.messageId === messageId);
      return reply !== undefined && readMessage(reply, bobKey).replyTo?.messageId === ids.question;
    });
    ids.reply = messageId;
  });

  it('delete for everyone from the phone removes the content from the desktop store live', async () => {
    await deleteForEveryone(alice.api, { chatId, messageId: ids.oops! });
    await until(() => desktop.store.getMessage(chatId, ids.oops!)?.deleted_at !== null, 10_000, 'the tombstone');
    expect(desktop.store.getMessage(chatId, ids.oops!)).toMatchObject({ ciphertext: '', edit: null });
    expect(shown(desktop, ids.oops!)).toMatchObject({ deleted: true, text: '' });
    await expect(desktop.actions.deleteForEveryone(chatId, ids.oops!)).rejects.toMatchObject({ code: 'deleted' });
  });

  it("delete for me on the desktop hides Bob's message from Alice's devices only", async () => {
    await desktop.actions.deleteForMe(chatId, ids.forMe!);
    expect(desktop.store.getMessage(chatId, ids.forMe!)).toBeNull();
    const alices = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    const bobs = await bob.api.call('listMessages', { params: { chatId }, query: {} });
    expect(alices.messages.map((m) => m.messageId)).not.toContain(ids.forMe);
    expect(bobs.messages.map((m) => m.messageId)).toContain(ids.forMe);
  });

  it('a desktop linked afterwards reproduces the same state through the phased sync', async () => {
    const second = await linkAndSync(server.url, alice, newDir(), []);
    cores.push(second);
    await second.reader.loadSenders([alice.session.userId, bob.session.userId]);
    expect(shown(second, ids.original!)).toMatchObject({ text: 'meet at 7', edited: { version: 2 } });
    expect(shown(second, ids.oops!)).toMatchObject({ deleted: true, text: '' });
    expect(second.store.getMessage(chatId, ids.oops!)?.ciphertext).toBe('');
    expect(second.store.getMessage(chatId, ids.forMe!)).toBeNull();
    expect(shown(second, ids.reply!)?.replyTo?.messageId).toBe(ids.question);
    // The superseded version never reached it: only the latest edit is stored.
    expect(JSON.parse(second.store.getMessage(chatId, ids.original!)!.edit!).version).toBe(2);
  });
});
