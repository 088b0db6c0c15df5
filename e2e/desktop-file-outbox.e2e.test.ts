import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attachmentUrl, createApiClient } from '../common/contract';
import { attachmentCiphertextSize, initCrypto, randomBytes, utf8 } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import type { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { readMessage, startChat } from '../mobile-pairing/src/core/chats';
import { receiveFile } from '../server/test/support/attachment-sender';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';

const MB = 1024 * 1024;
const PIECE = 512 * 1024;

/** A PNG whose tEXt chunk holds `text` (a real image type for the thumbnail check). */
function pngWithText(text: string): Uint8Array {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const body = utf8.encode(`Comment\0${text}`);
  const chunk = [0, 0, 0, body.length, ...utf8.encode('tEXt'), ...body, 0, 0, 0, 0];
  return Uint8Array.from([...signature, ...chunk]);
}

/** Every byte of every file under `dir`, as latin1 (for the canary scan). */
function allBytes(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => fs.readFileSync(f).toString('latin1'))
    .join('');
}

/**
 * File sends that survive being offline and restarts (docs/ATTACHMENTS.md "Sending offline and across
 * restarts"), on the desktop core against a real server on 127.0.0.1 behind a proxy that cuts the network:
 * an offline send shows as waiting with its thumbnail and goes once on reconnect; an upload cut midway,
 * with the server and then the desktop restarted, resumes from the server's offset without sending again
 * what arrived, and the message lands once; cancel removes the sealed files and the upload on the server.
 */
describe('the desktop file outbox', () => {
  const canary = `OUTBOXCANARY${Date.now()}`;
  let server: TestServer;
  let proxy: CuttingProxy;
  let dir: string;
  let work: string;
  let vault: FileKeyVault;
  let core: DesktopCore;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  let chatKey: Awaited<ReturnType<typeof startChat>>['chatKey'];

  const phoneTransfer = () => ({ baseUrl: server.url, accessToken: () => phone.session.tokens.accessToken });
  const onServer = async (messageId: string) =>
    (await phone.api.call('listMessages', { params: { chatId }, query: { limit: 100 } })).messages.filter(
      (m) => m.messageId === messageId,
    );
  /** The offset the server holds for an upload (tus HEAD, as the phone: same account). */
  const serverOffset = async (attachmentId: string): Promise<number | null> => {
    const response = await fetch(attachmentUrl(server.url, attachmentId), {
      method: 'HEAD',
      headers: { authorization: `Bearer ${phone.session.tokens.accessToken}`, 'tus-resumable': '1.0.0' },
    });
    return response.ok ? Number(response.headers.get('upload-offset')) : null;
  };
  /** Hands the files to the core in pieces, as the IPC handlers do, all in one message. */
  const send = async (files: Array<{ name: string; bytes: Uint8Array; image?: { thumbnail: string } }>) => {
    const finished = [];
    let messageId: string | undefined;
    for (const file of files) {
      const begun = core.attachments.beginSend(
        {
          chatId,
          name: file.name,
          mime: file.image ? 'image/png' : 'application/octet-stream',
          size: file.bytes.length,
        },
        messageId,
      );
      messageId = begun.messageId;
      for (let offset = 0; offset < file.bytes.length; offset += PIECE)
        core.attachments.appendSend(begun.uploadId, offset, file.bytes.subarray(offset, offset + PIECE));
      finished.push({
        uploadId: begun.uploadId,
        ...(file.image
          ? { image: { width: 64, height: 48, thumbnail: file.image.thumbnail, thumbnailMime: 'image/png' } }
          : {}),
      });
    }
    return core.attachments.finishSend(finished, '');
  };
  const outgoingFiles = () => fs.readdirSync(path.join(dir, 'attachments')).filter((f) => f.endsWith('.outgoing'));

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    proxy = await new CuttingProxy(server.server.port).start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-file-outbox-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-file-outbox-work-'));
    phone = await signUpPhone(server, 'outboxphone');
    ({
      chat: { chatId },
      chatKey,
    } = await startChat(phone.api, phone.session, { title: 'Files later', memberUsernames: [] }));
    const viaProxy = {
      session: phone.session,
      api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
    };
    vault = await pairDesktop(proxy.url, viaProxy, dir);
    core = await openDesktop(dir, vault);
    await core.start();
    await untilProgress(core, (p) => p.primed && p.connection === 'connected');
  }, 60_000);
  afterAll(async () => {
    await core?.stop().catch(() => undefined);
    await proxy?.stop();
    await server?.stop();
    for (const d of [dir, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('offline: a message of two files shows as waiting with its thumbnail, counts as media, and goes once on reconnect', async () => {
    proxy.setOffline(true);
    await untilProgress(core, (p) => p.connection !== 'connected');
    const photo = pngWithText(`${canary}-pixels`);
    const thumbnail = Buffer.from(pngWithText('thumb')).toString('base64url');
    const notes = randomBytes(700_000);
    const sent = await send([
      { name: `${canary}-photo.png`, bytes: photo, image: { thumbnail } },
      { name: `${canary}-notes.bin`, bytes: notes },
    ]);
    expect(sent).toMatchObject({ queued: true, failed: null });

    const shown = core.reader.messages(chatId).find((m) => m.messageId === sent.messageId)!;
    expect(shown.status).toBe('queued');
    expect(shown.attachments.map((a) => a.name)).toEqual([`${canary}-photo.png`, `${canary}-notes.bin`]);
    expect(shown.attachments[0]!.image).toMatchObject({ width: 64, height: 48, thumbnail });
    for (const ref of shown.attachments) expect(core.attachments.state(ref.id)).toEqual({ state: 'waiting' });
    expect(core.outboxPending()).toBe(1);
    const sealedBytes = attachmentCiphertextSize(photo.length) + attachmentCiphertextSize(notes.length);
    expect(core.attachments.bytes()).toBeGreaterThanOrEqual(sealedBytes);
    expect(core.storageStats().mediaBytes).toBeGreaterThanOrEqual(sealedBytes);
    expect(outgoingFiles()).toHaveLength(2);
    // Sealed, not plaintext: no byte of the files, no name, in the data directory.
    const bytes = allBytes(dir);
    for (const word of [canary, `${canary}-pixels`]) expect(bytes.includes(word)).toBe(false);

    // Back online: the first answer to the message is lost on the way; the replay under the same client key lands once.
    let cutOnce = false;
    proxy.inspect = (chunk) => {
      if (cutOnce || !chunk.toString('latin1').startsWith('HTTP/1.1 201')) return null;
      if (!/"attachmentIds"|"messageId"/.test(chunk.toString('latin1'))) return null;
      cutOnce = true;
      return 0;
    };
    proxy.setOffline(false);
    await until(() => core.outboxPending() === 0, 30_000, 'the file message to go');
    proxy.inspect = null;
    expect(cutOnce).toBe(true);
    expect(await onServer(sent.messageId)).toHaveLength(1);
    expect(core.store.getMessage(chatId, sent.messageId)?.status).not.toBe('queued');
    for (const ref of shown.attachments) expect(core.attachments.state(ref.id)).toEqual({ state: 'cached' });
    expect(outgoingFiles()).toHaveLength(0);

    // The phone opens both files from the one message.
    const record = (await onServer(sent.messageId))[0]!;
    const body = readMessage(record, chatKey);
    expect(body.attachments).toHaveLength(2);
    for (const [i, original] of [photo, notes].entries()) {
      const ref = body.attachments![i]!;
      const plain = await receiveFile(
        phoneTransfer(),
        { ref, context: { chatId, messageId: sent.messageId, attachmentId: ref.id } },
        work,
      );
      expect(Buffer.compare(fs.readFileSync(plain), Buffer.from(original))).toBe(0);
    }
  }, 60_000);

  it('cut mid-upload, server and desktop restarted: resumes at the server’s offset, sends nothing twice, lands once', async () => {
    const content = randomBytes(20 * MB);
    const blobBytes = attachmentCiphertextSize(content.length);
    // The network goes once more than one 8 MiB request has arrived (the second is cut midway).
    proxy.onceBytesUp(proxy.bytesUp + 11 * MB, () => proxy.setOffline(true));
    const sent = await send([{ name: 'big.bin', bytes: content }]);
    expect(sent).toMatchObject({ queued: true, failed: null });
    const attachmentId = core.store.fileOutbox.get(sent.messageId)!.files[0]!.id;
    expect(core.store.fileOutbox.get(sent.messageId)!.files[0]!.uploadUrl).toContain(attachmentId);

    // The desktop quits; the server restarts on the same data.
    await core.stop();
    const { dataDir, port } = { dataDir: server.dataDir, port: server.server.port };
    await server.stop({ keepData: true });
    server = await startTestServer({}, { dataDir, port });
    proxy.retarget(server.server.port);
    const stored = (await serverOffset(attachmentId))!;
    expect(stored).toBeGreaterThanOrEqual(8 * MB);
    expect(stored).toBeLessThan(blobBytes);

    // The desktop starts again, online: the upload resumes from `stored`.
    proxy.setOffline(false);
    const upResumed = proxy.bytesUp;
    core = await openDesktop(dir, vault);
    expect(core.attachments.state(attachmentId)).toEqual({ state: 'waiting' });
    await core.start();
    await until(() => core.outboxPending() === 0, 60_000, 'the resumed upload and send');
    const resent = proxy.bytesUp - upResumed;
    // What was missing went up, and little else (requests, the sync's hello and stream): never the stored part.
    expect(resent).toBeGreaterThanOrEqual(blobBytes - stored);
    expect(resent).toBeLessThan(blobBytes - stored + 512 * 1024);

    expect(await onServer(sent.messageId)).toHaveLength(1);
    const ref = readMessage((await onServer(sent.messageId))[0]!, chatKey).attachments![0]!;
    const plain = await receiveFile(
      phoneTransfer(),
      { ref, context: { chatId, messageId: sent.messageId, attachmentId } },
      work,
    );
    expect(Buffer.compare(fs.readFileSync(plain), Buffer.from(content))).toBe(0);
    expect(core.attachments.state(attachmentId)).toEqual({ state: 'cached' });
    expect(outgoingFiles()).toHaveLength(0);
  }, 120_000);

  it('a definitive refusal marks the file message failed with the reason; the user’s retry sends it once', async () => {
    const refusal = { error: { code: 'forbidden', message: 'you may not write here today' } };
    proxy.answerRequests({ status: 403, body: refusal, requests: /^POST \/chats\/[^/]+\/messages$/ });
    const sent = await send([{ name: 'refused.bin', bytes: randomBytes(100_000) }]);
    expect(sent).toMatchObject({ queued: false, failed: 'you may not write here today' });
    expect(core.sendFailures(chatId).get(sent.messageId)).toBe('you may not write here today');
    expect(core.outboxPending()).toBe(0); // refused ones wait for the user, not the backoff
    const attachmentId = core.store.fileOutbox.get(sent.messageId)!.files[0]!.id;
    expect(core.store.fileOutbox.get(sent.messageId)!.files[0]!.uploaded).toBe(true);
    expect(core.attachments.state(attachmentId)).toEqual({ state: 'waiting' });

    proxy.answerRequests(null);
    const upBefore = proxy.bytesUp;
    expect(await core.retrySend(chatId, sent.messageId)).toEqual({ state: 'sent' });
    expect(proxy.bytesUp - upBefore).toBeLessThan(64 * 1024); // the blob was up already: only the message went
    expect(await onServer(sent.messageId)).toHaveLength(1);
    expect(core.sendFailures(chatId).size).toBe(0);
    expect(core.attachments.state(attachmentId)).toEqual({ state: 'cached' });
  }, 60_000);

  it('cancel: the waiting message leaves the chat, its sealed file is deleted and its upload dropped on the server', async () => {
    const content = randomBytes(12 * MB);
    // Uploads start, then (9 MB in) every PATCH is answered 503 (a server in trouble): the message waits.
    proxy.onceBytesUp(proxy.bytesUp + 9 * MB, () => {
      proxy.answerRequests({ status: 503, requests: /^PATCH / });
      proxy.cutAll();
    });
    const sent = await send([{ name: 'abandoned.bin', bytes: content }]);
    expect(sent.queued).toBe(true);
    const attachmentId = core.store.fileOutbox.get(sent.messageId)!.files[0]!.id;
    await until(async () => (await serverOffset(attachmentId)) !== null, 10_000, 'the upload on the server');
    expect(outgoingFiles()).toHaveLength(1);

    expect(await core.attachments.outbox.cancel(sent.messageId)).toBe(true);
    proxy.answerRequests(null);
    expect(core.store.getMessage(chatId, sent.messageId)).toBeNull();
    expect(core.outboxPending()).toBe(0);
    expect(outgoingFiles()).toHaveLength(0);
    expect(await serverOffset(attachmentId)).toBeNull();
    expect(await onServer(sent.messageId)).toHaveLength(0);
    // A second cancel (a double click) finds nothing to do.
    expect(await core.attachments.outbox.cancel(sent.messageId)).toBe(false);
  }, 60_000);
});
