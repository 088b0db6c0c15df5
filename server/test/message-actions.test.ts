import Database from 'better-sqlite3';
import { checkMessageSignature, encryptMessageEdit, readEdit, signMessageEdit } from '../../common/content';
import { initCrypto, randomId } from '../../common/crypto';
import { chatKeyFor, readMessage, sendText, sendTextWithKeys, startChat } from '../../mobile-pairing/src/core/chats';
import { deleteForEveryone, deleteForMe, editText, quoteOf } from '../../mobile-pairing/src/core/message-actions';
import { dbSnapshot } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let alice: Awaited<ReturnType<typeof signUpPhone>>;
let bob: Awaited<ReturnType<typeof signUpPhone>>;
let carol: Awaited<ReturnType<typeof signUpPhone>>;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  alice = await signUpPhone(server, 'alice');
  bob = await signUpPhone(server, 'bob');
  carol = await signUpPhone(server, 'carol');
});
afterAll(() => server.stop());

async function groupWithMessage(text: string) {
  const { chat, chatKey } = await startChat(alice.api, alice.session, {
    title: 'Actions',
    memberUsernames: [bob.session.username, carol.session.username],
  });
  const message = await sendText(alice.api, alice.session, chat.chatId, chatKey, text);
  const bobKey = await chatKeyFor(
    bob.api,
    bob.session,
    await bob.api.call('getChat', { params: { chatId: chat.chatId } }),
  );
  return { chat, chatKey, message, bobKey };
}

function rows(sql: string, ...params: unknown[]): unknown[] {
  const db = new Database(server.dbFile, { readonly: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

describe('reply', () => {
  it('carries the quote inside the signed, encrypted body', async () => {
    const { chat, message, bobKey } = await groupWithMessage('lunch at noon?');
    const { record: reply } = await sendTextWithKeys(bob.api, bob.session, chat.chatId, bobKey, 'yes!', {
      replyTo: quoteOf(message, 'lunch at noon?'),
    });
    const body = readMessage(reply, bobKey);
    expect(body.replyTo).toEqual({
      messageId: message.messageId,
      senderUserId: alice.session.userId,
      text: 'lunch at noon?',
    });
    const origin = { chatId: chat.chatId, messageId: reply.messageId, senderUserId: bob.session.userId };
    expect(checkMessageSignature(body, origin, bob.session.signing!.publicKey)).toBe('verified');
    // A re-pointed quote (another member holds the chat key) no longer verifies.
    const moved = { ...body, replyTo: { ...body.replyTo!, messageId: reply.messageId } };
    expect(checkMessageSignature(moved, origin, bob.session.signing!.publicKey)).toBe('unverified');
    // The server row holds no plaintext of the quote.
    expect(JSON.stringify(rows('SELECT * FROM "Message" WHERE id = ?', reply.messageId))).not.toContain('lunch');
  });
});

describe('edit', () => {
  it('keeps every version; members see the newest, checked against the author’s signing key', async () => {
    const { chat, chatKey, message, bobKey } = await groupWithMessage('see you at 5');
    const v1 = await editText(alice.api, alice.session, message, chatKey, 0, 'see you at 6');
    const v2 = await editText(alice.api, alice.session, message, chatKey, 1, 'see you at 7');
    expect([v1.version, v2.version]).toEqual([1, 2]);

    const page = await bob.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    const seen = page.messages.find((m) => m.messageId === message.messageId)!;
    expect(seen.edit?.version).toBe(2);
    expect(readMessage(seen, bobKey).text).toBe('see you at 5');
    const origin = { chatId: chat.chatId, messageId: message.messageId, senderUserId: seen.senderUserId };
    expect(readEdit(bobKey, origin, seen.edit, alice.session.signing!.publicKey)).toMatchObject({
      state: 'verified',
      version: 2,
      text: 'see you at 7',
    });
    const history = await bob.api.call('listMessageEdits', {
      params: { chatId: chat.chatId, messageId: message.messageId },
    });
    expect(history.edits.map((e) => readEdit(bobKey, origin, e, alice.session.signing!.publicKey))).toMatchObject([
      { state: 'verified', text: 'see you at 6' },
      { state: 'verified', text: 'see you at 7' },
    ]);
  });

  it("refuses another's edit (403), a stale version (409), an unknown message (404) and stores nothing", async () => {
    const { chat, chatKey, message, bobKey } = await groupWithMessage('original');
    await editText(alice.api, alice.session, message, chatKey, 0, 'first edit');
    const outsider = await signUpPhone(server, 'mallory');
    const before = dbSnapshot(server.dbFile);
    const path = `/chats/${chat.chatId}/messages/${message.messageId}/edits`;
    const bobsEdit = signMessageEdit(
      bob.session.signing!,
      { chatId: chat.chatId, messageId: message.messageId, senderUserId: bob.session.userId },
      2,
      { text: 'bob was here', editedAt: Date.now() },
    );
    const forbidden = await raw(server, 'POST', path, {
      token: bob.session.tokens.accessToken,
      body: { version: 2, ciphertext: encryptMessageEdit(bobKey, chat.chatId, message.messageId, 2, bobsEdit) },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
    const stale = await raw(server, 'POST', path, {
      token: alice.session.tokens.accessToken,
      body: { version: 1, ciphertext: encryptMessageEdit(chatKey, chat.chatId, message.messageId, 1, bobsEdit) },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'stale_version', message: expect.stringContaining('version 2') });
    const unknown = await raw(server, 'POST', `/chats/${chat.chatId}/messages/${randomId()}/edits`, {
      token: alice.session.tokens.accessToken,
      body: { version: 1, ciphertext: encryptMessageEdit(chatKey, chat.chatId, message.messageId, 1, bobsEdit) },
    });
    expect(unknown.status).toBe(404);
    const notMember = await raw(server, 'POST', path, {
      token: outsider.session.tokens.accessToken,
      body: { version: 2, ciphertext: encryptMessageEdit(chatKey, chat.chatId, message.messageId, 2, bobsEdit) },
    });
    expect(notMember.status).toBe(404);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('a lying server cannot forge an edit: one not signed by the author is refused by every reader', async () => {
    const { chat, message, bobKey } = await groupWithMessage('pay 10 to alice');
    // Bob holds the chat key and signs with his own key; the server stores it as Alice's edit.
    const origin = { chatId: chat.chatId, messageId: message.messageId, senderUserId: alice.session.userId };
    const forged = signMessageEdit(bob.session.signing!, origin, 1, { text: 'pay 1000 to bob', editedAt: Date.now() });
    await server.server.deps.db.message.update({
      where: { id: message.messageId },
      data: {
        editVersion: 1,
        editCiphertext: encryptMessageEdit(bobKey, chat.chatId, message.messageId, 1, forged),
        editedAt: new Date(),
      },
    });
    const carolKey = await chatKeyFor(
      carol.api,
      carol.session,
      await carol.api.call('getChat', { params: { chatId: chat.chatId } }),
    );
    const seen = (await carol.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} })).messages[0]!;
    expect(readEdit(carolKey, origin, seen.edit, alice.session.signing!.publicKey)).toEqual({
      state: 'refused',
      version: 1,
    });
    // Nor can an edit signed for version 1 pass as version 2 (the version is bound and signed).
    const genuine = signMessageEdit(alice.session.signing!, origin, 1, { text: 'pay 20', editedAt: Date.now() });
    const renumbered = {
      version: 2,
      ciphertext: encryptMessageEdit(bobKey, chat.chatId, message.messageId, 2, genuine),
      editedAt: new Date().toISOString(),
    };
    expect(readEdit(carolKey, origin, renumbered, alice.session.signing!.publicKey).state).toBe('refused');
    expect(readMessage(seen, carolKey).text).toBe('pay 10 to alice');
  });
});

describe('delete for everyone', () => {
  it('removes the ciphertext and every edit from the server, leaves a tombstone; twice is 409', async () => {
    const { chat, chatKey, message } = await groupWithMessage('oops, wrong chat');
    await editText(alice.api, alice.session, message, chatKey, 0, 'oops again');
    const ciphertexts = [
      message.ciphertext,
      ...(
        rows('SELECT ciphertext FROM "MessageEdit" WHERE messageId = ?', message.messageId) as Array<{
          ciphertext: string;
        }>
      ).map((r) => r.ciphertext),
    ];
    expect(ciphertexts).toHaveLength(2);

    const forbidden = await raw(server, 'DELETE', `/chats/${chat.chatId}/messages/${message.messageId}`, {
      token: bob.session.tokens.accessToken,
    });
    expect(forbidden.status).toBe(403);

    const deleted = await deleteForEveryone(alice.api, message);
    expect(deleted.messageId).toBe(message.messageId);
    const stored = JSON.stringify(rows('SELECT * FROM "Message" WHERE chatId = ?', chat.chatId));
    const edits = JSON.stringify(rows('SELECT * FROM "MessageEdit" WHERE messageId = ?', message.messageId));
    for (const c of ciphertexts) {
      expect(stored).not.toContain(c);
      expect(edits).not.toContain(c);
    }
    const page = await bob.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    expect(page.messages).toEqual([
      expect.objectContaining({
        messageId: message.messageId,
        ciphertext: '',
        edit: null,
        deletedAt: deleted.deletedAt,
      }),
    ]);

    const before = dbSnapshot(server.dbFile);
    const twice = await raw(server, 'DELETE', `/chats/${chat.chatId}/messages/${message.messageId}`, {
      token: alice.session.tokens.accessToken,
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toBe('this message was deleted already');
    const editDeleted = await raw(server, 'POST', `/chats/${chat.chatId}/messages/${message.messageId}/edits`, {
      token: alice.session.tokens.accessToken,
      body: { version: 1, ciphertext: message.ciphertext },
    });
    expect(editDeleted.status).toBe(410);
    const unknown = await raw(server, 'DELETE', `/chats/${chat.chatId}/messages/${randomId()}`, {
      token: alice.session.tokens.accessToken,
    });
    expect(unknown.status).toBe(404);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });
});

describe('delete for me', () => {
  it("hides the message from this user's listings only; twice is 409", async () => {
    const { chat, message } = await groupWithMessage('just for bob to forget');
    await deleteForMe(bob.api, message);
    const bobs = await bob.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    const carols = await carol.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    expect(bobs.messages).toEqual([]);
    expect(carols.messages.map((m) => m.messageId)).toEqual([message.messageId]);
    const recent = await bob.api.call('syncMessages', { query: {} });
    expect(recent.messages.map((m) => m.messageId)).not.toContain(message.messageId);

    const before = dbSnapshot(server.dbFile);
    const twice = await raw(server, 'POST', `/chats/${chat.chatId}/messages/${message.messageId}/hide`, {
      token: bob.session.tokens.accessToken,
    });
    expect(twice.status).toBe(409);
    // A hidden message is unknown to that user: no edit, no delete, no history through it.
    const history = await raw(server, 'GET', `/chats/${chat.chatId}/messages/${message.messageId}/edits`, {
      token: bob.session.tokens.accessToken,
    });
    expect(history.status).toBe(404);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });
});
