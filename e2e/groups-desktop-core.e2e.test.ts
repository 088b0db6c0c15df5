import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, type ChatSummary } from '../common/contract';
import { decryptMessageBody, encryptMessageBody } from '../common/content';
import {
  type ChatKey,
  chatKeyFromBytes,
  generateChatKey,
  initCrypto,
  randomBytes,
  randomId,
  sealBytes,
} from '../common/crypto';
import { AttachmentSendError } from '../desktop/src/core/attachments/outgoing-files';
import { receiveFile } from '../server/test/support/attachment-sender';
import { changeMembership, openChat, readMeta } from '../common/trust/group-actions';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { GroupActionError } from '../desktop/src/core/groups/desktop-groups';
import type { SyncProblem } from '../desktop/src/core/sync/event-applier';
import { chatKeysFor, keysForSending, readMessage, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { LyingServer } from './support/lying-server';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

/**
 * Groups on the desktop core (docs/GROUPS.md), against a real server on 127.0.0.1 with every account's
 * real keys: the desktop follows key rotations made on the phone, loses a chat it was removed from and can
 * open nothing written after, makes its own group changes that the phone core verifies, refuses bad input
 * with a sentence, and drops a key version the server made up. Bob's desktop talks through a LyingServer
 * that passes everything unchanged except in the last test.
 */
let server: TestServer;
let liar: LyingServer;
let dir: string;
let desktop: DesktopCore;
let alice: Phone;
let bob: Phone;
let carol: Phone;
let dave: Phone;
const problems: SyncProblem[] = [];
/** The chat of the first test (versions 1 and 2), for the fresh sync of a second desktop. */
let rotatedChatId: string;

const call = (p: Phone) => ((name: never, input: never) => p.api.call(name, input)) as never;
const getChat = (p: Phone, chatId: string) => p.api.call('getChat', { params: { chatId } });
const contactsOf = (p: Phone) => phoneContacts(p.api, p.session);
const textsOnDesktop = (chatId: string) => desktop.reader.messages(chatId).map((m) => (m.decrypted ? m.text : null));

async function phoneSend(p: Phone, chatId: string, text: string) {
  const { keys } = await keysForSending(p.api, p.session, await getChat(p, chatId));
  return sendText(p.api, p.session, chatId, keys, text);
}

async function groupError(promise: Promise<unknown>): Promise<GroupActionError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GroupActionError);
  return error as GroupActionError;
}

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  liar = await new LyingServer(server.url).start();
  alice = await signUpPhone(server, 'gdalice');
  bob = await signUpPhone(server, 'gdbob');
  carol = await signUpPhone(server, 'gdcarol');
  dave = await signUpPhone(server, 'gddave');
  dir = mkdtempSync(path.join(os.tmpdir(), 'symc-groups-desktop-'));
  desktop = await openDesktop(dir, await pairDesktop(liar.url, bob, dir));
  desktop.engine.onProblem((p) => problems.push(p));
  await desktop.start();
  await untilProgress(desktop, (p) => p.primed);
}, 60_000);
afterAll(async () => {
  await desktop?.stop();
  await liar?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('groups on the desktop', () => {
  it('follows a rotation made on the phone: a removal makes version 2, and the desktop reads both versions', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Climbing',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    const chatId = chat.chatId;
    rotatedChatId = chatId;
    await phoneSend(alice, chatId, 'before');
    await until(() => textsOnDesktop(chatId).includes('before'), 10_000, 'the first message on the desktop');

    await changeMembership(call(alice), alice.session, await contactsOf(alice), await getChat(alice, chatId), {
      action: 'remove',
      subjects: [carol.session.userId],
    });
    const after = await phoneSend(alice, chatId, 'after');
    expect(after.keyVersion).toBe(2);
    await until(() => textsOnDesktop(chatId).includes('after'), 10_000, 'the version-2 message on the desktop');
    expect(textsOnDesktop(chatId)).toEqual(['before', 'after']);
    expect(desktop.store.chatKeyVersions(chatId)).toEqual([1, 2]);
    expect(desktop.store.getChat(chatId)).toMatchObject({ key_version: 2 });
    expect(desktop.reader.chatList().find((c) => c.chatId === chatId)?.title).toBe('Climbing');

    // The desktop answers under version 2; the phone reads it.
    await desktop.send(chatId, 'from the desktop');
    const page = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    const keys = await chatKeysFor(alice.api, alice.session, await getChat(alice, chatId));
    expect(page.messages.map((m) => readMessage(m, keys).text)).toContain('from the desktop');
    expect(page.messages.find((m) => readMessage(m, keys).text === 'from the desktop')?.keyVersion).toBe(2);
  });

  it('sends a file straight through the core API in one piece (through the proxy): it lands under version 2 and the phone opens it', async () => {
    const chatId = rotatedChatId;
    const content = randomBytes(300_000);
    // Misuse is refused with a sentence before anything reaches the server: a piece past the announced size,
    // a finish before every announced byte arrived.
    const short = desktop.attachments.beginSend({
      chatId,
      name: 'short.bin',
      mime: 'application/octet-stream',
      size: 10,
    });
    expect(() => desktop.attachments.appendSend(short.uploadId, 0, content)).toThrow(
      new AttachmentSendError(
        'invalid',
        'the file is longer than its announced size (10 bytes): begin it with its real size',
      ),
    );
    desktop.attachments.cancelSend(short.uploadId);
    const long = desktop.attachments.beginSend({
      chatId,
      name: 'long.bin',
      mime: 'application/octet-stream',
      size: content.length + 1,
    });
    desktop.attachments.appendSend(long.uploadId, 0, content);
    await expect(desktop.attachments.finishSend([{ uploadId: long.uploadId }], '')).rejects.toThrow(
      /only 300000 of the announced 300001 bytes arrived/,
    );
    desktop.attachments.cancelSend(long.uploadId);

    // The whole file in one piece: the blob's bytes pass the proxy unchanged and the upload is accepted.
    const { uploadId } = desktop.attachments.beginSend({
      chatId,
      name: 'one-piece.bin',
      mime: 'application/octet-stream',
      size: content.length,
    });
    desktop.attachments.appendSend(uploadId, 0, content);
    const sent = await desktop.attachments.finishSend([{ uploadId }], 'one piece');
    expect(sent).toMatchObject({ queued: false, failed: null });

    const page = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    const keys = await chatKeysFor(alice.api, alice.session, await getChat(alice, chatId));
    const record = page.messages.find((m) => m.messageId === sent.messageId)!;
    expect(record.keyVersion).toBe(2);
    const ref = readMessage(record, keys).attachments![0]!;
    const work = mkdtempSync(path.join(os.tmpdir(), 'symc-groups-file-'));
    try {
      const plain = await receiveFile(
        { baseUrl: server.url, accessToken: () => alice.session.tokens.accessToken },
        { ref, context: { chatId, messageId: sent.messageId, attachmentId: ref.id } },
        work,
      );
      expect(Buffer.compare(readFileSync(plain), Buffer.from(content))).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('replays a queued message of version 2 through hello with its version (and the server refuses one without)', async () => {
    const row = desktop.store.getChat(rotatedChatId)!;
    const key = desktop.keyring.keyFor(row, 2)!;
    const queue = (text: string, keyVersion: number) => {
      const messageId = randomId();
      const sentAt = Date.now();
      const ciphertext = encryptMessageBody(
        key,
        rotatedChatId,
        messageId,
        { text, senderName: bob.session.username, sentAt },
        2,
      );
      const createdAt = new Date(sentAt).toISOString();
      const clientKey = `${sentAt}:${text.length}:${desktop.session.deviceId}`;
      desktop.store.transaction(() => {
        desktop.store.putQueuedMessage({
          messageId,
          chatId: rotatedChatId,
          senderUserId: bob.session.userId,
          senderDeviceId: desktop.session.deviceId,
          clientKey,
          ciphertext,
          createdAt,
          keyVersion,
        });
        desktop.store.enqueueOutbox({
          message_id: messageId,
          chat_id: rotatedChatId,
          client_key: clientKey,
          ciphertext,
          created_at: createdAt,
          key_version: keyVersion,
        });
      });
      return messageId;
    };
    const good = queue('queued under version 2', 2);
    const mislabelled = queue('labelled version 1', 1);
    await desktop.engine.outbox.flush(null);
    expect(desktop.store.listOutbox().map((r) => [r.message_id, r.last_error])).toEqual([
      [mislabelled, expect.stringContaining('this message was written under version 1')],
    ]);
    const stored = await alice.api.call('listMessages', { params: { chatId: rotatedChatId }, query: {} });
    expect(stored.messages.find((m) => m.messageId === good)?.keyVersion).toBe(2);
    desktop.store.removeOutbox(mislabelled);
    desktop.store.removeMessage(rotatedChatId, mislabelled);
  });

  it('removed on the phone, the desktop drops the chat, and its real keys open nothing written after', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Soon without bob',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    const chatId = chat.chatId;
    await phoneSend(alice, chatId, 'bob can read this');
    await until(() => textsOnDesktop(chatId).includes('bob can read this'), 10_000, 'the message on the desktop');
    const row = desktop.store.getChat(chatId)!;
    const bobKeys = desktop.store
      .chatKeyVersions(chatId)
      .map((v) => desktop.keyring.keyFor(row, v))
      .filter((k): k is ChatKey => k !== null)
      .map((k) => chatKeyFromBytes(Uint8Array.from(k)));
    expect(bobKeys.length).toBeGreaterThan(0);

    await changeMembership(call(alice), alice.session, await contactsOf(alice), await getChat(alice, chatId), {
      action: 'remove',
      subjects: [bob.session.userId],
    });
    await until(() => !desktop.store.hasChat(chatId), 10_000, 'the chat to leave the desktop');
    expect(desktop.store.chatKeyVersions(chatId)).toEqual([]);
    expect(desktop.reader.messages(chatId)).toEqual([]);
    expect(desktop.reader.chatList().map((c) => c.chatId)).not.toContain(chatId);

    const secret = await phoneSend(alice, chatId, 'after bob left');
    for (const key of bobKeys) {
      expect(() => decryptMessageBody(key, chatId, secret.messageId, secret.ciphertext, secret.keyVersion)).toThrow();
    }
    // Nor does the server hand the chat to bob's desktop any more.
    await expect(desktop.session.call('getChat', { params: { chatId } })).rejects.toMatchObject({ status: 404 });
  });

  it('desktop-made create, rename, add, remove and leave are verified and read by the phone core', async () => {
    const chatId = await desktop.groups.startChat({
      usernames: [alice.session.username, carol.session.username],
      title: 'Made on the desktop',
    });
    const opened = async (p: Phone) => {
      const summary = await getChat(p, chatId);
      const { keys, membership } = await openChat(call(p), p.session, await contactsOf(p), summary);
      return { summary, keys, membership, title: readMeta(summary, keys).title };
    };
    let seen = await opened(alice);
    expect(seen.title).toBe('Made on the desktop');
    expect([...seen.membership.members].sort()).toEqual(
      [alice.session.userId, bob.session.userId, carol.session.userId].sort(),
    );
    expect(seen.membership.unverified).toEqual([]);

    await desktop.groups.rename(chatId, 'Renamed on the desktop');
    expect((await opened(alice)).title).toBe('Renamed on the desktop');

    await desktop.groups.addMembers(chatId, [dave.session.username]);
    seen = await opened(dave);
    expect(seen.membership.keyVersion).toBe(2);
    expect(seen.membership.members).toContain(dave.session.userId);
    expect(seen.title).toBe('Renamed on the desktop');

    await desktop.groups.removeMembers(chatId, [carol.session.userId]);
    seen = await opened(alice);
    expect(seen.membership.keyVersion).toBe(3);
    expect(seen.membership.members).not.toContain(carol.session.userId);
    await expect(getChat(carol, chatId)).rejects.toMatchObject({ status: 404 });

    await desktop.send(chatId, 'under version 3');
    const page = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    expect(page.messages.map((m) => ({ text: readMessage(m, seen.keys).text, v: m.keyVersion }))).toEqual([
      { text: 'under version 3', v: 3 },
    ]);

    const members = await desktop.groups.members(chatId);
    expect(members.map((m) => m.username).sort()).toEqual(
      [alice.session.username, bob.session.username, dave.session.username].sort(),
    );
    expect(members.filter((m) => m.unverified)).toEqual([]);

    await desktop.groups.leave(chatId);
    expect(desktop.store.hasChat(chatId)).toBe(false);
    const afterLeave: ChatSummary = await getChat(alice, chatId);
    expect(afterLeave.rotationDue).toBe(true);
    // The next writer rotates first (bob's keys are not in version 4): the phone core does it and reads on.
    const next = await phoneSend(alice, chatId, 'without bob');
    expect(next.keyVersion).toBe(4);
    seen = await opened(dave);
    expect(seen.membership.members).not.toContain(bob.session.userId);
    expect(readMessage(next, seen.keys).text).toBe('without bob');
  });

  it('a rotation due on a chat the desktop writes to: the desktop makes the next version before sending', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Carol leaves',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    const chatId = chat.chatId;
    await until(() => desktop.store.hasChat(chatId), 10_000, 'the chat on the desktop');
    await carol.api.call('leaveChat', { params: { chatId } });
    await until(() => desktop.store.getChat(chatId)?.rotation_due === 1, 10_000, 'the rotation due on the desktop');
    await desktop.send(chatId, 'rotated by the desktop');
    const summary = await getChat(alice, chatId);
    expect(summary.keyVersion).toBe(2);
    expect(summary.rotationDue).toBe(false);
    const keys = await chatKeysFor(alice.api, alice.session, summary);
    const page = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    expect(page.messages.map((m) => readMessage(m, keys).text)).toEqual(['rotated by the desktop']);
  });

  it('refuses bad input with a sentence, and changes nothing', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Bad input',
      memberUsernames: [bob.session.username],
    });
    const chatId = chat.chatId;
    await until(() => desktop.store.hasChat(chatId), 10_000, 'the chat on the desktop');
    const creates = liar.requestsTo(api.createChat).length;
    const changes = liar.requestsTo(api.changeMembers).length;

    expect((await groupError(desktop.groups.startChat({ usernames: [] }))).message).toBe(
      'Type the username of at least one person.',
    );
    expect((await groupError(desktop.groups.startChat({ usernames: ['No Such!'] }))).message).toMatch(
      /is not a username/,
    );
    expect((await groupError(desktop.groups.startChat({ usernames: [bob.session.username] }))).message).toBe(
      'You are always in your own chats: leave yourself out.',
    );
    expect(
      (await groupError(desktop.groups.startChat({ usernames: [alice.session.username, carol.session.username] })))
        .message,
    ).toBe('Name the group: everyone in it sees the name.');
    const unknown = await groupError(desktop.groups.startChat({ usernames: ['nobody_here_at_all'] }));
    expect(unknown).toMatchObject({
      code: 'not_found',
      message: 'There is no one called "nobody_here_at_all" on this server.',
    });
    expect(liar.requestsTo(api.createChat)).toHaveLength(creates);

    expect(await groupError(desktop.groups.removeMembers(chatId, [dave.session.userId]))).toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/is not a member of this chat\.$/),
    });
    expect(await groupError(desktop.groups.addMembers(chatId, [alice.session.username]))).toMatchObject({
      code: 'invalid',
      message: `${alice.session.username} is in this chat already.`,
    });
    expect((await groupError(desktop.groups.removeMembers(chatId, [bob.session.userId]))).message).toBe(
      'To take yourself out of a chat, leave it.',
    );
    expect((await groupError(desktop.groups.rename(chatId, '   '))).message).toBe(
      'Name the group: everyone in it sees the name.',
    );
    expect((await groupError(desktop.groups.rename(chatId, 'x'.repeat(201)))).message).toMatch(/too long/);
    expect(liar.requestsTo(api.changeMembers)).toHaveLength(changes);
    expect((await getChat(alice, chatId)).keyVersion).toBe(1);
  });

  it('drops a key version the server made up: its messages stay unreadable, and the problem is reported', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Lied about',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    const chatId = chat.chatId;
    await until(() => desktop.store.hasChat(chatId), 10_000, 'the chat on the desktop');
    // From now on the server hands bob's devices a version-2 key of its own, sealed to bob's real identity key.
    const forgedKey = generateChatKey();
    const forge = (summary: ChatSummary): ChatSummary =>
      summary.chatId !== chatId
        ? summary
        : {
            ...summary,
            wrappedChatKey: null,
            sealedChatKey: sealBytes(forgedKey, bob.session.identity.publicKey),
            myKeys: (summary.myKeys ?? []).map((copy) =>
              copy.keyVersion < 2
                ? copy
                : {
                    ...copy,
                    wrappedChatKey: null,
                    sealedChatKey: sealBytes(forgedKey, bob.session.identity.publicKey),
                  },
            ),
          };
    const undoSse = liar.rewriteSse((event) => {
      if (event.event !== 'chat:update') return event;
      const payload = JSON.parse(event.data) as { chat: ChatSummary };
      return { ...event, data: JSON.stringify({ chat: forge(payload.chat) }) };
    });
    const undoJson = liar.rewriteJson(api.getChat, (body) => forge(body as ChatSummary));
    try {
      await changeMembership(call(alice), alice.session, await contactsOf(alice), await getChat(alice, chatId), {
        action: 'remove',
        subjects: [carol.session.userId],
      });
      const real = await phoneSend(alice, chatId, 'under the real version 2');
      await until(
        () => problems.some((p) => p.code === 'unverified_keys' && p.message.includes(chatId)),
        10_000,
        'the refused key reported',
      );
      expect(problems.find((p) => p.code === 'unverified_keys' && p.message.includes(chatId))?.message).toBe(
        `dropped the key of chat ${chatId} version 2: it does not match what the members signed`,
      );
      await until(
        () => problems.some((p) => p.code === 'undecryptable_chat' && p.message.includes(chatId)),
        10_000,
        'the version-2 message skipped',
      );
      expect(desktop.store.chatKeyCopy(chatId, 2)).toBeNull();
      expect(desktop.store.getMessage(chatId, real.messageId)).toBeNull();
      expect(desktop.reader.chatList().find((c) => c.chatId === chatId)?.decryptable).toBe(false);
    } finally {
      undoSse();
      undoJson();
    }
  });

  it("a new desktop's phased sync verifies and stores every key version: it reads the rotated chat whole", async () => {
    const secondDir = mkdtempSync(path.join(os.tmpdir(), 'symc-groups-desktop-2-'));
    const second = await openDesktop(secondDir, await pairDesktop(server.url, bob, secondDir));
    try {
      await second.start();
      await untilProgress(second, (p) => p.primed);
      expect(second.store.chatKeyVersions(rotatedChatId)).toEqual([1, 2]);
      expect(second.reader.messages(rotatedChatId).map((m) => m.text)).toEqual([
        'before',
        'after',
        'from the desktop',
        'one piece', // the file message: its text, its file named in the body
        'queued under version 2',
      ]);
    } finally {
      await second.stop();
      rmSync(secondDir, { recursive: true, force: true });
    }
  });
});
