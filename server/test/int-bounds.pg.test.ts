import { encryptDraft, encryptUserSettings } from '../../common/content';
import { startChat } from '../../mobile-pairing/src/core/chats';
import { usePostgresServer } from './support/pg-database';
import { raw, signUpPhone } from './support/phone';

/**
 * Numbers at the edge of PostgreSQL's 32-bit `integer` columns: a version past it is a 400 naming the
 * field, never a 500 from the database (SQLite would have stored it silently), and nothing is written.
 */
describe('integer bounds on PostgreSQL', () => {
  const pg = usePostgresServer('symc_int_bounds');

  it('draft, settings and chat-meta versions beyond 32 bits are refused at the edge', async () => {
    const { server } = pg();
    const me = await signUpPhone(server, 'bounds');
    const { chat } = await startChat(me.api, me.session, { title: 'Bounds', memberUsernames: [] });
    const token = me.session.tokens.accessToken;
    const huge = 2 ** 31;

    const draft = await raw(server, 'PUT', `/chats/${chat.chatId}/draft`, {
      token,
      body: {
        ciphertext: encryptDraft(me.session.masterKey, me.session.userId, chat.chatId, { text: 'x' }),
        version: huge,
      },
    });
    expect(draft.status).toBe(400);
    expect(draft.body.error.message).toMatch(/version/);

    const settings = await raw(server, 'PUT', '/settings', {
      token,
      body: {
        ciphertext: encryptUserSettings(me.session.masterKey, me.session.userId, { theme: 'dark' }),
        baseVersion: huge,
      },
    });
    expect(settings.status).toBe(400);
    expect(settings.body.error.message).toMatch(/baseVersion/);

    const meta = await raw(server, 'PUT', `/chats/${chat.chatId}/meta`, {
      token,
      body: { encryptedMeta: chat.encryptedMeta, metaVersion: huge },
    });
    expect(meta.status).toBe(400);

    // Nothing was written, and the largest accepted version still works end to end.
    expect(await server.server.deps.db.draft.count()).toBe(0);
    const max = await raw(server, 'PUT', `/chats/${chat.chatId}/draft`, {
      token,
      body: {
        ciphertext: encryptDraft(me.session.masterKey, me.session.userId, chat.chatId, { text: 'y' }),
        version: huge - 2,
      },
    });
    expect(max.status).toBe(200);
  });

  it('a stream resuming from a seq past 32 bits is told the cursor is ahead, not a 500', async () => {
    const { server } = pg();
    const me = await signUpPhone(server, 'boundsstream');
    const response = await fetch(`${server.url}/sse/connect`, {
      headers: { authorization: `Bearer ${me.session.tokens.accessToken}`, 'last-event-id': String(2 ** 40) },
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('sync:error')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toContain('cursor_ahead');
  });
});
