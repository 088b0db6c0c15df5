import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MessageRecord } from '../../../../common/contract';
import { encryptMessageBody, type MessageBody, signMessageBody } from '../../../../common/content';
import { generateSigningKeyPair, initCrypto, randomId, type SigningKeyPair } from '../../../../common/crypto';
import { SenderBook } from '../../../../common/trust/message-author';
import type { SenderKeyDirectory, SenderKeys } from '../../../../common/trust/sender-keys';
import { LocalStore } from '../store/local-store';
import { type TestAccount, testAccount, type TestChat, testChat } from '../../../test/support/sync-fixtures';
import { ChatReader } from './chat-reader';

/** A directory in memory: who exists, with which key; `offline` makes every lookup fail like a lost network. */
class MemoryDirectory implements SenderKeyDirectory {
  readonly entries = new Map<string, SenderKeys>();
  offline = false;
  hanging = false;
  async keysFor(userId: string): Promise<SenderKeys | null> {
    if (this.offline) throw new Error('offline');
    if (this.hanging) return new Promise(() => undefined);
    return this.entries.get(userId) ?? null;
  }
}

let dir: string;
let store: LocalStore;
let me: TestAccount;
let chat: TestChat;
let directory: MemoryDirectory;
let reader: ChatReader;
const alice = { userId: '', signing: null as unknown as SigningKeyPair };
const bob = { userId: '', signing: null as unknown as SigningKeyPair };
const now = Date.now();

beforeAll(async () => {
  await initCrypto();
  Object.assign(alice, { userId: randomId(), signing: generateSigningKeyPair() });
  Object.assign(bob, { userId: randomId(), signing: generateSigningKeyPair() });
});
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'symc-reader-'));
  store = LocalStore.open(path.join(dir, 'local.db'));
  me = testAccount((id, version) => store.chatKeyCopy(id, version));
  chat = testChat(me);
  store.upsertChats([chat.summary]);
  directory = new MemoryDirectory();
  directory.entries.set(alice.userId, { username: 'alice', signingPublicKey: alice.signing.publicKey });
  directory.entries.set(bob.userId, { username: 'bob', signingPublicKey: bob.signing.publicKey });
  reader = new ChatReader(store, me.keyring, me.userId, new SenderBook(directory));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A message as the server delivers it: `author` wrote (and signed) it; the record names `named`. */
function delivered(
  author: { userId: string; signing: SigningKeyPair | null },
  body: Omit<MessageBody, 'sig'>,
  named = author.userId,
): MessageRecord {
  const messageId = randomId();
  const origin = { chatId: chat.summary.chatId, messageId, senderUserId: author.userId };
  const inner = author.signing ? signMessageBody(author.signing, origin, body) : body;
  return {
    messageId,
    chatId: chat.summary.chatId,
    senderUserId: named,
    senderDeviceId: randomId(),
    clientKey: `k:${messageId}`,
    ciphertext: encryptMessageBody(chat.key, chat.summary.chatId, messageId, inner),
    status: 'sent',
    createdAt: new Date(body.sentAt).toISOString(),
  };
}

async function shown(records: MessageRecord[]) {
  store.putMessages(records);
  await reader.loadSenders(records.map((r) => r.senderUserId));
  return reader
    .messages(chat.summary.chatId)
    .map((m) => ({ text: m.text, senderName: m.senderName, verification: m.verification, mine: m.mine }));
}

describe('the chat reader shows authors as their signatures prove them', () => {
  it('a signed message shows the directory’s name, not the name its body claims', async () => {
    expect(await shown([delivered(alice, { text: 'hi', senderName: 'bob', sentAt: now })])).toEqual([
      { text: 'hi', senderName: 'alice', verification: 'verified', mine: false },
    ]);
  });

  it('a message the server re-attributes to another member — or to me — is unverified and names no one', async () => {
    expect(
      await shown([
        delivered(alice, { text: 'to bob', senderName: 'alice', sentAt: now }, bob.userId),
        delivered(alice, { text: 'to me', senderName: 'alice', sentAt: now + 1 }, me.userId),
      ]),
    ).toEqual([
      { text: 'to bob', senderName: 'Unverified sender', verification: 'unverified', mine: false },
      { text: 'to me', senderName: 'Unverified sender', verification: 'unverified', mine: false },
    ]);
  });

  it('unsigned: legacy from an account without a key or written before signing; unverified from one that signs', async () => {
    const carol = { userId: randomId(), signing: null };
    directory.entries.set(carol.userId, { username: 'carol', signingPublicKey: null });
    expect(
      await shown([
        delivered(carol, { text: 'old app', senderName: 'carol', sentAt: now }),
        delivered(
          { userId: alice.userId, signing: null },
          { text: 'from 2025', senderName: 'alice', sentAt: Date.UTC(2025, 0, 1) },
        ),
        delivered({ userId: alice.userId, signing: null }, { text: 'stripped', senderName: 'alice', sentAt: now + 2 }),
      ]),
    ).toEqual([
      { text: 'from 2025', senderName: 'alice', verification: 'legacy', mine: false },
      { text: 'old app', senderName: 'carol', verification: 'legacy', mine: false },
      { text: 'stripped', senderName: 'Unverified sender', verification: 'unverified', mine: false },
    ]);
  });

  it('a sender the directory doesn’t know is unverified; an unreachable directory leaves it pending, checked again later', async () => {
    const ghost = { userId: randomId(), signing: generateSigningKeyPair() };
    directory.offline = true;
    const record = delivered(alice, { text: 'while offline', senderName: 'alice', sentAt: now });
    expect(await shown([record, delivered(ghost, { text: 'ghost', senderName: 'alice', sentAt: now + 1 })])).toEqual([
      { text: 'while offline', senderName: 'Checking sender…', verification: 'pending', mine: false },
      { text: 'ghost', senderName: 'Checking sender…', verification: 'pending', mine: false },
    ]);
    directory.offline = false;
    await reader.loadSenders([alice.userId, ghost.userId]);
    expect(reader.messages(chat.summary.chatId).map((m) => [m.text, m.senderName, m.verification])).toEqual([
      ['while offline', 'alice', 'verified'],
      ['ghost', 'Unverified sender', 'unverified'],
    ]);
  });

  it('a directory that does not answer does not hold the chat: its senders show pending after the wait', async () => {
    directory.hanging = true;
    const record = delivered(alice, { text: 'slow directory', senderName: 'alice', sentAt: now });
    store.putMessages([record]);
    await reader.loadSenders([alice.userId], 50);
    expect(reader.messages(chat.summary.chatId).map((m) => [m.text, m.verification])).toEqual([
      ['slow directory', 'pending'],
    ]);
  });

  it('the search index reads text without checking authors, and leaves the check to the next view', async () => {
    const record = delivered(alice, { text: 'indexed', senderName: 'alice', sentAt: now });
    store.putMessages([record]);
    await reader.loadSenders([alice.userId]);
    const row = store.getMessage(chat.summary.chatId, record.messageId)!;
    const chatRow = store.getChat(chat.summary.chatId)!;
    expect(reader.display(chatRow, row, { checkAuthor: false })).toMatchObject({
      text: 'indexed',
      verification: 'pending',
    });
    expect(reader.display(chatRow, row)).toMatchObject({
      text: 'indexed',
      senderName: 'alice',
      verification: 'verified',
    });
  });
});
