import { initCrypto } from '../../../common/crypto';
import { signUpPhone } from '../../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';
import { sendText } from './chats';
import { type ChatKeyCache, loadChatList, loadMessages, mergeMessages, startChatWith, StartChatRefused } from './conversations';

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
    const started = await startChatWith(alice.api, alice.session, { username: `@${bob.session.username.toUpperCase()}` });
    expect(started.title).toBe(`${alice.session.username} & ${bob.session.username}`);
    await sendText(alice.api, alice.session, started.chat.chatId, started.chatKey, 'hello bob');

    const aliceList = await loadChatList(alice.api, alice.session, new Map());
    expect(aliceList.map((c) => c.chat.chatId)).toEqual([started.chat.chatId, first.chat.chatId]);
    expect(aliceList[0]).toMatchObject({ title: started.title, lastMessage: { mine: true, body: { text: 'hello bob' } } });

    // Bob opens the sealed chat key (and stores it re-wrapped under his master key on first use).
    const bobKeys: ChatKeyCache = new Map();
    const bobList = await loadChatList(bob.api, bob.session, bobKeys);
    expect(bobList).toHaveLength(1);
    expect(bobList[0]).toMatchObject({ title: started.title, lastMessage: { mine: false, body: { senderName: alice.session.username } } });
    expect((await bob.api.call('getChat', { params: { chatId: started.chat.chatId } })).wrappedChatKey).not.toBeNull();

    const page = await loadMessages(bob.api, bob.session, started.chat.chatId, bobKeys.get(started.chat.chatId)!);
    expect(page.messages.map((m) => m.body?.text)).toEqual(['hello bob']);
  });

  it('messages come oldest first, page backwards, and merging the same message twice keeps one', async () => {
    const alice = await signUpPhone(server, 'convpage');
    const bob = await signUpPhone(server, 'convpage2');
    const { chat, chatKey } = await startChatWith(alice.api, alice.session, { username: bob.session.username });
    for (const text of ['one', 'two', 'three']) await sendText(alice.api, alice.session, chat.chatId, chatKey, text);
    const newest = await loadMessages(alice.api, alice.session, chat.chatId, chatKey, { limit: 2 });
    expect(newest.messages.map((m) => m.body?.text)).toEqual(['two', 'three']);
    expect(newest.nextBefore).not.toBeNull();
    const older = await loadMessages(alice.api, alice.session, chat.chatId, chatKey, { limit: 2, before: newest.nextBefore! });
    expect(older.messages.map((m) => m.body?.text)).toEqual(['one']);
    const merged = mergeMessages(mergeMessages(newest.messages, older.messages), newest.messages);
    expect(merged.map((m) => m.body?.text)).toEqual(['one', 'two', 'three']);
  });

  it('a message that does not decrypt is listed as unreadable instead of breaking the conversation', async () => {
    const alice = await signUpPhone(server, 'convbad');
    const bob = await signUpPhone(server, 'convbad2');
    const a = await startChatWith(alice.api, alice.session, { username: bob.session.username });
    const b = await startChatWith(alice.api, alice.session, { username: bob.session.username });
    await sendText(alice.api, alice.session, a.chat.chatId, a.chatKey, 'fine');
    // Encrypted under the other chat's key: the server stores it, but it can't open under this chat's key.
    await sendText(alice.api, alice.session, a.chat.chatId, b.chatKey, 'wrong key');
    const page = await loadMessages(alice.api, alice.session, a.chat.chatId, a.chatKey);
    expect(page.messages.map((m) => m.body?.text ?? null)).toEqual(['fine', null]);
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
    await expect(startChatWith(alice.api, alice.session, { username: alice.session.username })).rejects.toThrow(/That is you/);
  });
});
