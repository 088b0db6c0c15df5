import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto, toBase64Url, utf8 } from '../../common/crypto';
import { startChat } from '../../mobile-pairing/src/core/chats';
import { signUpPhone } from './support/phone';
import { receiveFile, sendFileMessage, writeFile } from './support/attachment-sender';
import { filesUnder, S3RVER_CREDENTIALS, startS3TestServer, type S3TestServer } from './support/s3-test-server';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let work: string;
let s3: S3TestServer;

beforeAll(async () => {
  await initCrypto();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-attachments-canary-'));
  Object.assign(process.env, S3RVER_CREDENTIALS);
  s3 = await startS3TestServer();
});

afterAll(async () => {
  await s3.dispose();
  fs.rmSync(work, { recursive: true, force: true });
});

/**
 * Per store: the server's DATA_DIR (database, its WAL, the blob directory) and, for S3, s3rver's data
 * directory (objects, `.info` records, multipart parts and their upload records).
 */
describe.each([
  { store: 'directory', env: () => ({}), blobFiles: () => [] as string[] },
  { store: 's3', env: () => s3.env(), blobFiles: () => filesUnder(s3.directory) },
])('$store store', ({ env, blobFiles }) => {
  beforeAll(async () => {
    server = await startTestServer(env());
  });
  afterAll(() => server.stop());

  it("the server's database and blob store hold no byte of a file's content, name, type or thumbnail", async () => {
    const canary = {
      content: 'CANARY-CONTENT-0d6f1e',
      name: 'CANARY-NAME-a83c27.pdf',
      mime: 'application/x-canary-mime-55e1',
    };
    const alice = await signUpPhone(server, 'canaryatt');
    const bob = await signUpPhone(server, 'canaryattbob');
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'files',
      memberUsernames: [bob.session.username],
    });
    // The content repeats so that it spans chunk boundaries, and sits at the start and the end.
    const content = utf8.encode(canary.content.repeat(10_000));
    const file = writeFile(work, 'source.bin', content);
    const sent = await sendFileMessage(
      alice.api,
      alice.session,
      { baseUrl: server.url },
      chat.chatId,
      chatKey,
      file,
      work,
      {
        name: canary.name,
        mime: canary.mime,
      },
    );
    // The recipient really gets it (the canary is there to be found, were it stored in the clear).
    const opened = await receiveFile(
      { baseUrl: server.url, accessToken: () => bob.session.tokens.accessToken },
      sent,
      work,
    );
    expect(fs.readFileSync(opened, 'utf8').startsWith(canary.content)).toBe(true);
    await server.server.deps.db.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)');

    const needles = Object.values(canary).flatMap((text) => [
      Buffer.from(text),
      Buffer.from(Buffer.from(text).toString('base64')),
      Buffer.from(toBase64Url(utf8.encode(text))),
    ]);
    const files = [...filesUnder(server.dataDir), ...blobFiles()];
    expect(files.some((f) => f.endsWith('symc.db'))).toBe(true);
    // The blob itself is among the files scanned (s3rver names an object's file after its key).
    expect(files.some((f) => path.basename(f).startsWith(sent.ref.id))).toBe(true);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const needle of needles) expect([f, bytes.includes(needle)]).toEqual([f, false]);
    }
    expect(server.logs.join('\n')).not.toContain('CANARY');
  });
});
