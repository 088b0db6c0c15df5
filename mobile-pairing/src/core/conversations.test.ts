import type { ApiClient } from '../../../common/contract';
import {
  encodeSigningPublicKey,
  generateSigningKeyPair,
  initCrypto,
  wrapSigningSecretKey,
} from '../../../common/crypto';
import { SenderBook } from '../../../common/trust/message-author';
import { ServerSenderKeyDirectory } from '../../../common/trust/sender-keys';
import { signUpPhone, signUpPhoneWithoutSigningKey } from '../../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';
import { chatKeyFor, sendText, startChat } from './chats';
import {
  type ChatKeyCache,
  loadChatList,
  loadMessages,
  asTombstone,
  mergeMessages,
  shownText,
  showMessage,
  startChatWith,
  withEdit,
  StartChatRefused,
} from './conversations';
import { deleteForEveryone, editText } from './message-actions';

const book = (api: ApiClient) => new SenderBook(new ServerSenderKeyDirectory(api));

describe('the phone’s chat list and conversations, decrypted on the phone', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('a chat started by username shows its title and last message to both people, newest chat first', async () => {
    const alice = await signUpPhone(server, 'convalice');
    const bob = await signUpPhone(server, 'convbob');
    const carol = await signUpPhone(server, 'convcarol');
    const first = await startChatWith(alice.api, alice.session, { username: carol.session.username, title: 'Older' });
    const started = await startChatWith(alice.api, alice.session, {
      username: `@${bob.session.username.toUpperCase()}`,
    });
    expect(started.title).toBe(`${alice.session.username} & ${bob.session.username}`);
    await sendText(alice.api, alice.session, started.chat.chatId, started.chatKey, 'hello bob');

    const aliceList = await loadChatList(alice.api, alice.session, new Map(), book(alice.api));
    expect(aliceList.map((c) => c.chat.chatId)).toEqual([started.chat.chatId, first.chat.chatId]);
    expect(aliceList[0]).toMatchObject({
      title: started.title,
      lastMessage: { mine: true, body: { text: 'hello bob' } },
    });

    // Bob opens the sealed chat key (and stores it re-wrapped under his master key on first use).
    const bobKeys: ChatKeyCache = new Map();
    const bobList = await loadChatList(bob.api, bob.session, bobKeys, book(bob.api));
    expect(bobList).toHaveLength(1);
    expect(bobList[0]).toMatchObject({
      title: started.title,
      lastMessage: { mine: false, author: { verification: 'verified', displayName: alice.session.username } },
    });
    expect((await bob.api.call('getChat', { params: { chatId: started.chat.chatId } })).wrappedChatKey).not.toBeNull();

    const page = await loadMessages(
      bob.api,
      bob.session,
      started.chat.chatId,
      bobKeys.get(started.chat.chatId)!,
      book(bob.api),
    );
    expect(page.messages.map((m) => m.body?.text)).toEqual(['hello bob']);
  });

  it('messages come oldest first, page backwards, and merging the same message twice keeps one', async () => {
    const alice = await signUpPhone(server, 'convpage');
    const bob = await signUpPhone(server, 'convpage2');
    const { chat, chatKey } = await startChatWith(alice.api, alice.session, { username: bob.session.username });
    for (const text of ['one', 'two', 'three']) await sendText(alice.api, alice.session, chat.chatId, chatKey, text);
    const newest = await loadMessages(alice.api, alice.session, chat.chatId, chatKey, book(alice.api), { limit: 2 });
    expect(newest.messages.map((m) => m.body?.text)).toEqual(['two', 'three']);
    expect(newest.nextBefore).not.toBeNull();
    const older = await loadMessages(alice.api, alice.session, chat.chatId, chatKey, book(alice.api), {
      limit: 2,
      before: newest.nextBefore!,
    });
    expect(older.messages.map((m) => m.body?.text)).toEqual(['one']);
    const merged = mergeMessages(mergeMessages(newest.messages, older.messages), newest.messages);
    expect(merged.map((m) => m.body?.text)).toEqual(['one', 'two', 'three']);
  });

  it('edits and tombstones: a signed edit is shown, a page fetched earlier never undoes a newer edit or a delete', async () => {
    const alice = await signUpPhone(server, 'convedit');
    const bob = await signUpPhone(server, 'convedit2');
    const { chat, chatKey } = await startChatWith(alice.api, alice.session, { username: bob.session.username });
    const record = await sendText(alice.api, alice.session, chat.chatId, chatKey, 'draft words');
    const before = await loadMessages(alice.api, alice.session, chat.chatId, chatKey, book(alice.api));
    const edit = await editText(alice.api, alice.session, record, chatKey, 0, 'final words');

    const bobKey = await chatKeyFor(
      bob.api,
      bob.session,
      await bob.api.call('getChat', { params: { chatId: chat.chatId } }),
    );
    const seen = await loadMessages(bob.api, bob.session, chat.chatId, bobKey, book(bob.api));
    expect(seen.messages[0]).toMatchObject({ edit: { state: 'verified', text: 'final words', version: 1 } });
    expect(shownText(seen.messages[0]!)).toBe('final words');

    const bobs = book(bob.api);
    await bobs.load([alice.session.userId]);
    const edited = showMessage(withEdit(before.messages[0]!.record, edit), bobKey, bob.session, bobs);
    // The older page (no edit) arriving after the live edit keeps the edit.
    expect(shownText(mergeMessages([edited], [before.messages[0]!])[0]!)).toBe('final words');

    const { deletedAt } = await deleteForEveryone(alice.api, record);
    const tomb = showMessage(asTombstone(edited.record, deletedAt), null, bob.session, bobs);
    expect(tomb).toMatchObject({ deleted: true, body: null });
    expect(shownText(tomb)).toBeNull();
    expect(mergeMessages([tomb], [edited])[0]!.deleted).toBe(true);
    const reloaded = await loadMessages(bob.api, bob.session, chat.chatId, bobKey, bobs);
    expect(reloaded.messages[0]).toMatchObject({ deleted: true, body: null });
  });

  it('a message that does not decrypt is listed as unreadable instead of breaking the conversation', async () => {
    const alice = await signUpPhone(server, 'convbad');
    const bob = await signUpPhone(server, 'convbad2');
    const a = await startChatWith(alice.api, alice.session, { username: bob.session.username });
    const b = await startChatWith(alice.api, alice.session, { username: bob.session.username });
    await sendText(alice.api, alice.session, a.chat.chatId, a.chatKey, 'fine');
    // Encrypted under the other chat's key: the server stores it, but it can't open under this chat's key.
    await sendText(alice.api, alice.session, a.chat.chatId, b.chatKey, 'wrong key');
    const page = await loadMessages(alice.api, alice.session, a.chat.chatId, a.chatKey, book(alice.api));
    expect(page.messages.map((m) => m.body?.text ?? null)).toEqual(['fine', null]);
  });

  it('in a group, a member whose body claims another member’s name is shown as its real author', async () => {
    const alice = await signUpPhone(server, 'grpalice');
    const bob = await signUpPhone(server, 'grpbob');
    const mallory = await signUpPhone(server, 'grpmallory');
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'Group',
      memberUsernames: [bob.session.username, mallory.session.username],
    });
    const malloryKey = await chatKeyFor(
      mallory.api,
      mallory.session,
      await mallory.api.call('getChat', { params: { chatId: chat.chatId } }),
    );
    // Mallory holds the chat key and writes a body that says it is from Bob.
    await sendText(mallory.api, mallory.session, chat.chatId, malloryKey, 'send the money to me', bob.session.username);
    const page = await loadMessages(alice.api, alice.session, chat.chatId, chatKey, book(alice.api));
    expect(page.messages[0]!.body!.senderName).toBe(bob.session.username);
    expect(page.messages[0]!.author).toEqual({ verification: 'verified', displayName: mallory.session.username });
  });

  it('an account from before signing shows as legacy; once it has a key, an unsigned message from it is unverified', async () => {
    const old = await signUpPhoneWithoutSigningKey(server, 'oldsender');
    const bob = await signUpPhone(server, 'oldreader');
    const { chat, chatKey } = await startChatWith(old.api, old.session, { username: bob.session.username });
    await sendText(old.api, old.session, chat.chatId, chatKey, 'from an old app');
    const before = await loadMessages(
      bob.api,
      bob.session,
      chat.chatId,
      await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId: chat.chatId } })),
      book(bob.api),
    );
    expect(before.messages[0]!.author).toEqual({ verification: 'legacy', displayName: old.session.username });

    // The account's phone makes its key at its next start; an old client of the same account still sends
    // unsigned: from now on that is indistinguishable from a forgery, so it is unverified — and so are its
    // unsigned messages written after signing shipped (SIGNING_INTRODUCED_AT), as docs/THREAT-MODEL.md says.
    const k = generateSigningKeyPair();
    await old.api.call('setSigningKey', {
      body: {
        signingPublicKey: encodeSigningPublicKey(k.publicKey),
        wrappedSigningSecretKey: wrapSigningSecretKey(k.secretKey, old.session.masterKey, old.session.userId),
      },
    });
    await sendText(old.api, old.session, chat.chatId, chatKey, 'unsigned after the key exists');
    const after = await loadMessages(bob.api, bob.session, chat.chatId, chatKey, book(bob.api));
    expect(after.messages.map((m) => [m.body?.text, m.author.verification, m.author.displayName])).toEqual([
      ['from an old app', 'unverified', 'Unverified sender'],
      ['unsigned after the key exists', 'unverified', 'Unverified sender'],
    ]);
  });

  it.each([
    ['an unknown user', 'nobody_here_at_all', /no one called "nobody_here_at_all"/],
    ['a malformed username', 'No!', /3–32 characters/],
  ])('starting a chat with %s is refused in words', async (_label, username, message) => {
    const alice = await signUpPhone(server, 'convrefuse');
    const attempt = startChatWith(alice.api, alice.session, { username });
    await expect(attempt).rejects.toBeInstanceOf(StartChatRefused);
    await expect(startChatWith(alice.api, alice.session, { username })).rejects.toThrow(message);
  });

  it('starting a chat with yourself is refused before anything is sent', async () => {
    const alice = await signUpPhone(server, 'convself');
    await expect(startChatWith(alice.api, alice.session, { username: alice.session.username })).rejects.toThrow(
      /That is you/,
    );
  });
});
