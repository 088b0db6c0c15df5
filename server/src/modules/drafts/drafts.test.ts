import Database from 'better-sqlite3';
import { type ApiClient, ApiError, maxDraftEnvelopeChars } from '../../../../common/contract';
import { encryptDraft } from '../../../../common/content';
import { initCrypto } from '../../../../common/crypto';
import { type PhoneSession, signIn } from '../../../../mobile-pairing/src/core/account';
import { startChat } from '../../../../mobile-pairing/src/core/chats';
import { raw, signUpPhone } from '../../../test/support/phone';
import { startTestServer, type TestServer } from '../../../test/support/test-server';

/**
 * The server's drafts against a real server and SQLite file: the conflict rule, the size limit on
 * ciphertext, and the cache that folds idle drafts into the chat row (TTL and shutdown).
 */

type Device = { session: PhoneSession; api: ApiClient };

async function secondDevice(server: TestServer, first: { session: PhoneSession; password: string }): Promise<Device> {
  const session = await signIn(server.client(), {
    username: first.session.username,
    password: first.password,
    device: { name: 'second phone', platform: 'android' },
  });
  return { session, api: server.client(() => session.tokens.accessToken) };
}

function sqlite(server: TestServer) {
  const db = new Database(server.dbFile, { readonly: true });
  try {
    return {
      hot: db.prepare('SELECT chatId, version, ciphertext FROM Draft').all() as Array<{
        chatId: string;
        version: number;
        ciphertext: string | null;
      }>,
      folded: db
        .prepare(
          'SELECT chatId, draftVersion, draftCiphertext, draftUpdatedByDevice FROM ChatMember WHERE draftVersion > 0',
        )
        .all() as Array<{
        chatId: string;
        draftVersion: number;
        draftCiphertext: string | null;
        draftUpdatedByDevice: string;
      }>,
      changes: (db.prepare("SELECT COUNT(*) AS n FROM ChangeLog WHERE kind = 'draft:update'").get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

const until = async (condition: () => boolean, ms: number, what: string) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

beforeAll(() => initCrypto());

describe('drafts on the server', () => {
  let server: TestServer;
  let one: Awaited<ReturnType<typeof signUpPhone>>;
  let two: Device;

  beforeAll(async () => {
    server = await startTestServer({ MAX_DRAFT_CHARS: '50' });
    one = await signUpPhone(server, 'draftsone');
    two = await secondDevice(server, one);
  });
  afterAll(() => server.stop());

  const draftOf = (chatId: string, text: string) =>
    encryptDraft(one.session.masterKey, one.session.userId, chatId, { text });
  const newChat = async () =>
    (await startChat(one.api, one.session, { title: 'Drafts', memberUsernames: [] })).chat.chatId;

  it('a chat without a draft answers 200 null (opening a chat asks; no 404 for the browser to log), a foreign chat 404', async () => {
    const chatId = await newChat();
    const res = await raw(server, 'GET', `/chats/${chatId}/draft`, { token: one.session.tokens.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
    expect(await one.api.call('getDraft', { params: { chatId } })).toBeNull();
    const stranger = await signUpPhone(server, 'draftsstranger');
    const foreign = await raw(server, 'GET', `/chats/${chatId}/draft`, { token: stranger.session.tokens.accessToken });
    expect(foreign.status).toBe(404);
  });

  it('orders drafts by version, then device id: the loser of a tie is refused and the winner stays', async () => {
    const chatId = await newChat();
    const [low, high] = [one, two].sort((a, b) => (a.session.deviceId < b.session.deviceId ? -1 : 1)) as [
      Device,
      Device,
    ];
    await high.api.call('putDraft', {
      params: { chatId },
      body: { version: 1, ciphertext: draftOf(chatId, 'from the higher id') },
    });
    const refused = await low.api
      .call('putDraft', { params: { chatId }, body: { version: 1, ciphertext: draftOf(chatId, 'from the lower id') } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 409, code: 'stale_version' });
    expect((refused as ApiError).message).toMatch(/holds version 1 .* wins over version 1 from this device/);
    // The other way round the tie goes to the higher id.
    const chat2 = await newChat();
    await low.api.call('putDraft', {
      params: { chatId: chat2 },
      body: { version: 1, ciphertext: draftOf(chat2, 'low') },
    });
    const won = await high.api.call('putDraft', {
      params: { chatId: chat2 },
      body: { version: 1, ciphertext: draftOf(chat2, 'high') },
    });
    expect(won).toMatchObject({ version: 1, updatedByDevice: high.session.deviceId });
    // A stale version never overwrites a newer one.
    const five = draftOf(chatId, 'five');
    await low.api.call('putDraft', { params: { chatId }, body: { version: 5, ciphertext: five } });
    await expect(
      high.api.call('putDraft', { params: { chatId }, body: { version: 4, ciphertext: null } }),
    ).rejects.toMatchObject({
      status: 409,
      code: 'stale_version',
    });
    expect(await one.api.call('getDraft', { params: { chatId } })).toMatchObject({
      version: 5,
      ciphertext: five,
      updatedByDevice: low.session.deviceId,
    });
  });

  it('takes the same edit sent twice (a lost answer) once, without a second change', async () => {
    const chatId = await newChat();
    const body = { version: 1, ciphertext: draftOf(chatId, 'once') };
    const first = await one.api.call('putDraft', { params: { chatId }, body });
    const changes = sqlite(server).changes;
    const again = await one.api.call('putDraft', { params: { chatId }, body });
    expect(again).toEqual(first);
    expect(sqlite(server).changes).toBe(changes);
    // Same version and device with other content is not a retry: refused.
    await expect(
      one.api.call('putDraft', { params: { chatId }, body: { version: 1, ciphertext: draftOf(chatId, 'other') } }),
    ).rejects.toMatchObject({
      code: 'stale_version',
    });
  });

  it('refuses a ciphertext longer than MAX_DRAFT_CHARS allows with 413 naming the limit; the worst case at the limit fits', async () => {
    const chatId = await newChat();
    // 50 control characters: JSON writes each as \u00XX (6 bytes), the worst case the bound allows for.
    const atLimit = draftOf(chatId, '\u0001'.repeat(50));
    expect(atLimit.length).toBe(maxDraftEnvelopeChars(50));
    await one.api.call('putDraft', { params: { chatId }, body: { version: 1, ciphertext: atLimit } });
    const over = draftOf(chatId, '\u0001'.repeat(51));
    const res = await raw(server, 'PUT', `/chats/${chatId}/draft`, {
      token: one.session.tokens.accessToken,
      body: { version: 2, ciphertext: over },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(res.body.error.message).toContain('limited to 50 characters (MAX_DRAFT_CHARS)');
    expect(res.body.error.message).toContain(`this one has ${over.length}`);
    expect((await one.api.call('getDraft', { params: { chatId } }))!.version).toBe(1);
  });

  it('accepts only ciphertext with a version: plaintext, a missing version and version 0 are 400s', async () => {
    const chatId = await newChat();
    for (const body of [
      { version: 1, ciphertext: 'hello in plaintext' },
      { ciphertext: null },
      { version: 0, ciphertext: null },
      { version: 1.5, ciphertext: null },
    ]) {
      const res = await raw(server, 'PUT', `/chats/${chatId}/draft`, { token: one.session.tokens.accessToken, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(sqlite(server).hot.filter((d) => d.chatId === chatId)).toEqual([]);
  });

  it('lists every draft of the user, deleted ones included, with the server limit', async () => {
    const chatId = await newChat();
    await one.api.call('putDraft', { params: { chatId }, body: { version: 3, ciphertext: null } });
    const { drafts, maxDraftChars } = await two.api.call('listDrafts', {});
    expect(maxDraftChars).toBe(50);
    expect(drafts.find((d) => d.chatId === chatId)).toMatchObject({ version: 3, ciphertext: null });
  });
});

describe('draft persistence: the hot row folds into the chat row', () => {
  it('after the TTL: the hot row goes, the chat row holds it, reads and the conflict rule still see it', async () => {
    const server = await startTestServer({ DRAFT_PERSISTENCE_TTL_SECONDS: '1' });
    try {
      const me = await signUpPhone(server, 'draftttl');
      const { chat } = await startChat(me.api, me.session, { title: 'TTL', memberUsernames: [] });
      const chatId = chat.chatId;
      const ciphertext = encryptDraft(me.session.masterKey, me.session.userId, chatId, { text: 'kept for later' });
      await me.api.call('putDraft', { params: { chatId }, body: { version: 7, ciphertext } });
      expect(sqlite(server).hot).toEqual([{ chatId, version: 7, ciphertext }]);
      await until(() => sqlite(server).hot.length === 0, 5_000, 'the idle draft to fold');
      expect(sqlite(server).folded).toEqual([
        { chatId, draftVersion: 7, draftCiphertext: ciphertext, draftUpdatedByDevice: me.session.deviceId },
      ]);
      expect(await me.api.call('getDraft', { params: { chatId } })).toMatchObject({ version: 7, ciphertext });
      expect((await me.api.call('listDrafts', {})).drafts).toEqual([
        expect.objectContaining({ chatId, version: 7, ciphertext }),
      ]);
      await expect(
        me.api.call('putDraft', { params: { chatId }, body: { version: 7, ciphertext: null } }),
      ).rejects.toMatchObject({ code: 'stale_version' });
      // A newer edit is hot again, and wins over the folded one for reads.
      await me.api.call('putDraft', { params: { chatId }, body: { version: 8, ciphertext: null } });
      expect(sqlite(server).hot).toEqual([{ chatId, version: 8, ciphertext: null }]);
      expect(await me.api.call('getDraft', { params: { chatId } })).toMatchObject({ version: 8, ciphertext: null });
    } finally {
      await server.stop();
    }
  });

  it('a graceful restart folds every hot draft into its chat row and loses none', async () => {
    let server = await startTestServer();
    const me = await signUpPhone(server, 'draftrestart');
    const chats: string[] = [];
    for (let i = 0; i < 3; i++)
      chats.push((await startChat(me.api, me.session, { title: `R${i}`, memberUsernames: [] })).chat.chatId);
    const texts = chats.map((chatId, i) =>
      encryptDraft(me.session.masterKey, me.session.userId, chatId, { text: `draft ${i}` }),
    );
    for (const [i, chatId] of chats.entries())
      await me.api.call('putDraft', { params: { chatId }, body: { version: i + 1, ciphertext: texts[i]! } });
    expect(sqlite(server).hot).toHaveLength(3);
    const { dataDir, server: running } = server;
    await server.stop({ keepData: true });
    expect(sqlite(server).hot).toEqual([]);
    expect(
      sqlite(server)
        .folded.map((f) => f.draftCiphertext)
        .sort(),
    ).toEqual([...texts].sort());
    server = await startTestServer({}, { dataDir, port: running.port });
    try {
      for (const [i, chatId] of chats.entries()) {
        expect(await me.api.call('getDraft', { params: { chatId } })).toMatchObject({
          version: i + 1,
          ciphertext: texts[i],
        });
      }
    } finally {
      await server.stop();
    }
  });
});
