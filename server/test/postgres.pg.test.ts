import { readMessage, sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { usePostgresServer } from './support/pg-database';
import { signUpPhone } from './support/phone';

/** The same server, on PostgreSQL by DATABASE_URL: migrations apply at start and the API works end to end. */
describe('server on PostgreSQL', () => {
  const pg = usePostgresServer('symc_server_test');

  it('signs up, starts a chat, sends and reads a message, with the change log in order', async () => {
    const { server } = pg();
    const alice = await signUpPhone(server, 'pgalice');
    const bob = await signUpPhone(server, 'pgbob');
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'On Postgres',
      memberUsernames: [bob.session.username],
    });
    await sendText(alice.api, alice.session, chat.chatId, chatKey, 'hello from postgres');
    await sendText(alice.api, alice.session, chat.chatId, chatKey, 'second');
    const page = await alice.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    expect(page.messages.map((m) => readMessage(m, chatKey).text)).toEqual(['hello from postgres', 'second']);
    const log = await server.server.deps.db.changeLog.findMany({
      where: { userId: bob.session.userId },
      orderBy: { seq: 'asc' },
    });
    expect(log.map((c) => [c.seq, c.kind])).toEqual([
      [1, 'chat:new'],
      [2, 'message:new'],
      [3, 'message:new'],
    ]);
  });
});
