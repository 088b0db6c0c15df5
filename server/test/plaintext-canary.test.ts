import { encryptDraft } from '../../common/content';
import { initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { readDatabaseBytes } from './support/db-snapshot';
import { signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * Zero knowledge, checked the blunt way: push recognisable plaintext through every content path of the
 * API, then search every byte of the database files and every log line for it.
 */
describe('plaintext canary', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('no message text, chat title, draft, password or master key appears in the database or the logs', async () => {
    const canary = {
      message: 'CANARY-MESSAGE-7f3a9c',
      title: 'CANARY-TITLE-b41d2e',
      draft: 'CANARY-DRAFT-99e0aa',
      sender: 'CANARY-SENDER-5c5c5c',
    };
    const alice = await signUpPhone(server, 'canary');
    const bob = await signUpPhone(server, 'canarybob');
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: canary.title,
      memberUsernames: [bob.session.username],
    });
    await sendText(alice.api, alice.session, chat.chatId, chatKey, canary.message, canary.sender);
    await alice.api.call('putDraft', {
      params: { chatId: chat.chatId },
      body: {
        version: 1,
        ciphertext: encryptDraft(alice.session.masterKey, alice.session.userId, chat.chatId, { text: canary.draft }),
      },
    });
    await server.server.deps.db.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)');

    const haystacks = {
      database: readDatabaseBytes(server.dbFile),
      logs: Buffer.from(server.logs.join('\n')),
    };
    const secrets = [
      ...Object.values(canary),
      alice.password,
      Buffer.from(alice.session.masterKey).toString('base64url'),
      Buffer.from(alice.session.masterKey).toString('hex'),
      alice.session.tokens.accessToken,
      alice.session.tokens.refreshToken,
    ];
    // The canary must be detectable at all: it is in what the client sent, so the search itself works.
    expect(haystacks.logs.length).toBeGreaterThan(0);
    expect(haystacks.database.includes(Buffer.from(alice.session.username))).toBe(true);
    for (const [where, bytes] of Object.entries(haystacks)) {
      for (const secret of secrets) {
        expect({ where, secret, found: bytes.includes(Buffer.from(secret)) }).toEqual({ where, secret, found: false });
      }
    }
  });
});
