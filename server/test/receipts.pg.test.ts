import { initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { usePostgresServer } from './support/pg-database';
import { raw, signUpPhone } from './support/phone';

/** Receipts per recipient on PostgreSQL: the same per-member state and refusals as on SQLite. */
describe('receipts per recipient (PostgreSQL)', () => {
  const pg = usePostgresServer('symc_receipts');

  it('records each member’s receipt, derives the summary when all have read, refuses your own message', async () => {
    await initCrypto();
    const { server } = pg();
    const [alice, bob, carol] = await Promise.all(['pgra', 'pgrb', 'pgrc'].map((u) => signUpPhone(server, u)));
    const { chat, chatKey } = await startChat(alice!.api, alice!.session, {
      title: 'pg',
      memberUsernames: [bob!.session.username, carol!.session.username],
    });
    const m = await sendText(alice!.api, alice!.session, chat.chatId, chatKey, 'hi');
    const mark = (who: typeof bob, status: 'delivered' | 'read') =>
      who!.api.call('markMessages', { params: { chatId: chat.chatId }, body: { messageIds: [m.messageId], status } });
    const seen = async () =>
      (await alice!.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} })).messages[0]!;

    await mark(bob, 'read');
    expect(await seen()).toMatchObject({ status: 'sent', readBy: [{ userId: bob!.session.userId }] });
    expect((await mark(bob, 'delivered')).updated).toEqual([]);
    await mark(carol, 'read');
    const after = await seen();
    expect(after.status).toBe('read');
    expect(after.readBy?.map((r) => r.userId).sort()).toEqual([bob!.session.userId, carol!.session.userId].sort());

    const own = await raw(server, 'POST', `/chats/${chat.chatId}/receipts`, {
      token: alice!.session.tokens.accessToken,
      body: { messageIds: [m.messageId], status: 'read' },
    });
    expect(own.status).toBe(400);
  });
});
