import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AttachmentTransferError, uploadBlob } from './blob-transfer';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly bytes: number;
}

/** A plain HTTP server on 127.0.0.1 that records what reaches it and answers with `answer`. */
async function recordingServer(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, bytes });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The server is not trusted with where the blob goes: a lying server that answers the upload's creation
 * with a `Location` on another origin gets the upload refused — no byte of the blob and no access token
 * reach that other origin.
 */
describe('uploadBlob against a lying server', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-blob-transfer-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses an upload address on another origin, and sends it neither the blob nor the token', async () => {
    const elsewhere = await recordingServer((_req, res) => {
      res.writeHead(204, { 'tus-resumable': '1.0.0', 'upload-offset': '0' });
      res.end();
    });
    const liar = await recordingServer((_req, res) => {
      res.writeHead(201, { 'tus-resumable': '1.0.0', location: `${elsewhere.url}/attachments/stolen` });
      res.end();
    });
    try {
      const blob = path.join(dir, 'blob');
      fs.writeFileSync(blob, Buffer.alloc(4096, 7));
      const urls: string[] = [];
      const error = await uploadBlob(
        { baseUrl: liar.url, accessToken: () => 'secret-token', retryDelays: [] },
        '6f1c3f5e-2a4b-4c8d-9e0f-1a2b3c4d5e6f',
        blob,
        { onUrl: (url) => urls.push(url) },
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AttachmentTransferError);
      expect((error as AttachmentTransferError).message).toBe('the server named an upload address elsewhere');
      expect(urls).toEqual([]); // nothing kept to resume there later
      await new Promise((r) => setTimeout(r, 200));
      expect(elsewhere.seen).toEqual([]);
      expect(liar.seen.map((s) => [s.method, s.authorization])).toEqual([['POST', 'Bearer secret-token']]);
    } finally {
      await elsewhere.close();
      await liar.close();
    }
  });
});
