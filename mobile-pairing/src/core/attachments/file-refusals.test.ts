import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient, AuthTokens } from '../../../../common/contract';
import type { AttachmentRef } from '../../../../common/content';
import { initCrypto, randomBytes } from '../../../../common/crypto';
import { signUpPhone } from '../../../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../../../server/test/support/test-server';
import { chatKeyFor, readMessage, startChat } from '../chats';
import { createPhoneClient } from '../phone-client';
import { AttachmentProblem } from './attachment-problem';
import type { BlobTransport } from './blob-transport';
import { downloadAttachment } from './blob-download';
import { sendFile } from './file-messages';

const KB = 1024;

interface Phone {
  readonly session: Awaited<ReturnType<typeof signUpPhone>>['session'];
  readonly api: ApiClient;
  readonly transport: BlobTransport;
}

async function phone(server: TestServer, name: string): Promise<Phone> {
  const signedUp = await signUpPhone(server, name);
  let tokens: AuthTokens | null = signedUp.session.tokens;
  const api = createPhoneClient({
    baseUrl: server.url,
    tokens: () => tokens,
    onTokens: (t) => {
      tokens = t;
    },
    onSessionEnded: () => {
      tokens = null;
    },
  });
  const transport: BlobTransport = {
    baseUrl: server.url,
    accessToken: () => tokens?.accessToken ?? null,
    renewToken: async () => {
      await api.call('me', {});
    },
  };
  return { session: signedUp.session, api, transport };
}

type Mode = 'honest' | 'truncated' | 'cut-short' | 'longer' | 'flipped' | 'swapped';

/**
 * A lying blob server in front of the real one: it fetches the real blob (with the reader's own token) and
 * serves ranges of a changed copy — cut short and saying so, cut short while claiming the full length,
 * with bytes slipped into a range, one bit flipped, or another message's blob.
 */
class LyingBlobServer {
  mode: Mode = 'honest';
  swapWith: string | null = null;
  private readonly server = http.createServer((req, res) => void this.answer(req, res));
  url = '';

  constructor(private readonly real: string) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const id = this.mode === 'swapped' && this.swapWith ? this.swapWith : req.url!.split('/').pop()!;
    const real = await fetch(`${this.real}/attachments/${id}`, {
      headers: { authorization: req.headers.authorization! },
    });
    const original = Buffer.from(await real.arrayBuffer());
    let blob = original;
    if (this.mode === 'truncated' || this.mode === 'cut-short') blob = original.subarray(0, original.length - 100);
    if (this.mode === 'flipped') {
      blob = Buffer.from(original);
      blob[blob.length >> 1] = blob[blob.length >> 1]! ^ 1;
    }
    const claimed = this.mode === 'cut-short' ? original.length : blob.length;
    const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
    const start = Number(a ?? 0);
    const end = Math.min(Number(b ?? claimed - 1), claimed - 1);
    if (start >= blob.length) {
      res.writeHead(416, { 'content-range': `bytes */${claimed}`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'range_not_satisfiable', message: 'no such range' } }));
      return;
    }
    let body = blob.subarray(start, Math.min(end, blob.length - 1) + 1);
    if (this.mode === 'longer') body = Buffer.concat([body, Buffer.from('extra bytes')]);
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${claimed}`, 'content-length': body.length });
    res.end(body);
  }
}

describe('files the server refuses, and blobs it changes', () => {
  let server: TestServer;
  let alice: Phone;
  let bob: Phone;
  let chatId: string;
  let aliceKey: Awaited<ReturnType<typeof startChat>>['chatKey'];
  let bobKey: Awaited<ReturnType<typeof chatKeyFor>>;

  beforeAll(async () => {
    await initCrypto();
    // Blobs of at most 600 KB, and 1 MB of them per account.
    server = await startTestServer({
      MAX_ATTACHMENT_BYTES: String(600 * KB),
      ATTACHMENT_QUOTA_BYTES: String(1024 * KB),
    });
    alice = await phone(server, 'pralice');
    bob = await phone(server, 'prbob');
    const started = await startChat(alice.api, alice.session, {
      title: 'Refusals',
      memberUsernames: [bob.session.username],
    });
    chatId = started.chat.chatId;
    aliceKey = started.chatKey;
    bobKey = await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
  });
  afterAll(() => server.stop());

  const send = (bytes: number, name = 'file.bin', from = alice, key = aliceKey, to = chatId) =>
    sendFile(from.api, from.session, from.transport, to, key, { file: new Blob([randomBytes(bytes)]), name, mime: '' });
  const messagesInChat = async () =>
    (await bob.api.call('listMessages', { params: { chatId }, query: { limit: 50 } })).messages.length;
  const rows = () => server.server.deps.db.attachment.count({ where: { ownerUserId: alice.session.userId } });

  it('over the server’s limit: its 413 in words, and no message, no blob', async () => {
    const error = await send(700 * KB).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttachmentProblem);
    expect(error).toMatchObject({
      kind: 'too_large',
      message: /refused it as too large \(an attachment may be at most 614400 bytes/,
    });
    expect(await messagesInChat()).toBe(0);
    expect(await rows()).toBe(0);
  });

  it('past the account’s quota: said so, nothing sent', async () => {
    await send(500 * KB, 'first.bin');
    const error = await send(550 * KB, 'second.bin').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'quota', message: 'Your account’s space for files is full.' });
    expect(await messagesInChat()).toBe(1);
    expect(await rows()).toBe(1);
  });

  it('a message the server refuses leaves no blob behind', async () => {
    const carol = await phone(server, 'prcarol');
    const dave = await phone(server, 'prdave');
    const other = await startChat(carol.api, carol.session, {
      title: 'Not Alice’s',
      memberUsernames: [dave.session.username],
    });
    // Alice writes to a chat she is not in: the upload goes through, the message is refused.
    const error = await send(10 * KB, 'x.bin', alice, other.chatKey, other.chat.chatId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await rows()).toBe(1); // only the earlier sent file's
  });

  describe('a lying server', () => {
    let liar: LyingBlobServer;
    let ref: AttachmentRef;
    let other: AttachmentRef;
    let context: { chatId: string; messageId: string; attachmentId: string };
    beforeAll(async () => {
      liar = await new LyingBlobServer(server.url).start();
      const { messages } = await bob.api.call('listMessages', { params: { chatId }, query: { limit: 50 } });
      ref = readMessage(messages[0]!, bobKey).attachments![0]!;
      context = { chatId, messageId: messages[0]!.messageId, attachmentId: ref.id };
      // Another file of the same chat, from the same sender: a blob the server could pass off instead.
      const bobs = await sendFile(bob.api, bob.session, bob.transport, chatId, bobKey, {
        file: new Blob([randomBytes(ref.size)]),
        name: 'other.bin',
        mime: '',
      });
      other = readMessage(bobs, bobKey).attachments![0]!;
    });
    afterAll(() => liar.stop());

    const open = () =>
      downloadAttachment({ ...bob.transport, baseUrl: liar.url }, ref, context, {
        rangeBytes: 200 * KB,
        retryDelays: [10],
      });

    it('serving the blob as it is: opened', async () => {
      liar.mode = 'honest';
      expect(Buffer.concat(await open()).length).toBe(ref.size);
    });

    it.each<[Mode, RegExp]>([
      ['truncated', /damaged/],
      ['cut-short', /damaged/],
      ['longer', /damaged/],
      ['flipped', /damaged/],
      ['swapped', /damaged/],
    ])('%s: shown as damaged, nothing of it returned', async (mode, message) => {
      liar.mode = mode;
      liar.swapWith = other.id;
      const error = await open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AttachmentProblem);
      expect(error).toMatchObject({ kind: 'damaged', message });
    });
  });

  it('someone outside the chat gets "no longer on the server", as for an unknown id', async () => {
    const eve = await phone(server, 'preve');
    const { messages } = await bob.api.call('listMessages', { params: { chatId }, query: { limit: 50 } });
    const ref = readMessage(messages[0]!, bobKey).attachments![0]!;
    const error = await downloadAttachment(eve.transport, ref, {
      chatId,
      messageId: messages[0]!.messageId,
      attachmentId: ref.id,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unavailable', message: 'This file is no longer on the server.' });
  });
});
