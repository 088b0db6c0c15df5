import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApiClient } from '../common/contract';
import { AttachmentDecryptor, AttachmentEncryptor, generateAttachmentKey, randomId } from '../common/crypto';
import { openBlobFile, sealFile } from '../desktop/src/core/attachments/blob-files';
import { downloadBlob, uploadBlob } from '../desktop/src/core/attachments/blob-transfer';
import { createAccount } from '../mobile-pairing/src/core/account';
import { loadConfig } from '../server/src/config';
import { startServer } from '../server/src/server';
import { nowMs } from './child';

export interface AttachmentFigure {
  readonly bytes: number;
  readonly uploadMs: number;
  readonly downloadMs: number;
  /** The machine's floor for each direction: the bytes across loopback HTTP + secretstream over them. */
  readonly limit: {
    readonly loopbackUpMs: number;
    readonly loopbackDownMs: number;
    readonly encryptMs: number;
    readonly decryptMs: number;
  };
  readonly uploadMBps: number;
  readonly downloadMBps: number;
  /** Measured time ÷ limit (1.0 = as fast as the machine can move and seal the bytes). */
  readonly uploadRatio: number;
  readonly downloadRatio: number;
}

const PIECE = 256 * 1024;
const round = (n: number) => Math.round(n * 10) / 10;

/** Raw HTTP over loopback, no library in between: POST `bytes` to a sink, then GET them back. */
async function loopback(bytes: Buffer): Promise<{ upMs: number; downMs: number }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      req.on('data', () => undefined).on('end', () => res.end());
      return;
    }
    res.writeHead(200, { 'content-length': String(bytes.length) });
    let at = 0;
    const pump = (): void => {
      while (at < bytes.length) {
        const ok = res.write(bytes.subarray(at, at + PIECE));
        at += PIECE;
        if (!ok) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const up0 = nowMs();
    await new Promise<void>((resolve, reject) => {
      const req = http.request({
        port,
        host: '127.0.0.1',
        method: 'POST',
        headers: { 'content-length': bytes.length },
      });
      req.on('response', (res) => res.resume().on('end', resolve)).on('error', reject);
      let at = 0;
      const pump = (): void => {
        while (at < bytes.length) {
          const ok = req.write(bytes.subarray(at, at + PIECE));
          at += PIECE;
          if (!ok) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    const upMs = nowMs() - up0;
    const down0 = nowMs();
    await new Promise<void>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1' }, (res) => res.on('data', () => undefined).on('end', resolve))
        .on('error', reject);
    });
    return { upMs, downMs: nowMs() - down0 };
  } finally {
    server.close();
  }
}

/** secretstream over `bytes` in memory, both ways: the AEAD part of the floor. */
function aead(bytes: Buffer): { encryptMs: number; decryptMs: number } {
  const key = generateAttachmentKey();
  const context = { chatId: randomId(), messageId: randomId(), attachmentId: randomId() };
  const sealed: Uint8Array[] = [];
  const e0 = nowMs();
  const enc = new AttachmentEncryptor(key, context);
  for (let at = 0; at < bytes.length; at += PIECE) sealed.push(...enc.push(bytes.subarray(at, at + PIECE)));
  sealed.push(...enc.finish().chunks);
  const encryptMs = nowMs() - e0;
  const d0 = nowMs();
  const dec = new AttachmentDecryptor(key, context);
  for (const piece of sealed) dec.push(piece);
  dec.finish();
  return { encryptMs, decryptMs: nowMs() - d0 };
}

/**
 * The attachment figure: a file of `size` bytes sealed and uploaded (tus) to a real server, then
 * downloaded and opened — against the loopback + AEAD floor measured in the same run on the same bytes.
 */
export async function measureAttachments(size = 50 * 1024 * 1024): Promise<AttachmentFigure> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-bench-attachments-'));
  const server = await startServer(
    loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: path.join(dir, 'server'),
      LOG_LEVEL: 'silent',
      AUTH_KEY_HASH_PROFILE: 'minimal',
    }),
  );
  try {
    const bytes = crypto.randomBytes(size);
    const source = path.join(dir, 'source.bin');
    fs.writeFileSync(source, bytes);
    // Warm-up on a slice: the floor and the product are both measured warmed up (JIT, caches).
    aead(bytes.subarray(0, 4 * 1024 * 1024));
    await loopback(bytes.subarray(0, 4 * 1024 * 1024));
    const net = await loopback(bytes);
    const sodium = aead(bytes);

    const me = await createAccount(createApiClient({ baseUrl: server.url }), {
      username: `bench${Math.floor(Math.random() * 1e6)}`,
      password: 'bench attachments',
      device: { name: 'bench phone', platform: 'ios' },
      kdfProfile: 'minimal',
    });
    const options = { baseUrl: server.url, accessToken: () => me.tokens.accessToken };
    const context = { chatId: randomId(), messageId: randomId(), attachmentId: randomId() };
    const key = generateAttachmentKey();

    const up0 = nowMs();
    const blob = path.join(dir, 'sent.blob');
    const sealed = await sealFile(source, blob, key, context);
    await uploadBlob(options, context.attachmentId, blob);
    const uploadMs = nowMs() - up0;

    const down0 = nowMs();
    const received = path.join(dir, 'received.blob');
    await downloadBlob(options, context.attachmentId, received, sealed.blobBytes);
    await openBlobFile(received, path.join(dir, 'opened.bin'), key, context, { size, digest: sealed.digest });
    const downloadMs = nowMs() - down0;

    const mb = size / (1024 * 1024);
    return {
      bytes: size,
      uploadMs: Math.round(uploadMs),
      downloadMs: Math.round(downloadMs),
      limit: {
        loopbackUpMs: Math.round(net.upMs),
        loopbackDownMs: Math.round(net.downMs),
        encryptMs: Math.round(sodium.encryptMs),
        decryptMs: Math.round(sodium.decryptMs),
      },
      uploadMBps: round(mb / (uploadMs / 1000)),
      downloadMBps: round(mb / (downloadMs / 1000)),
      uploadRatio: Math.round((uploadMs / (net.upMs + sodium.encryptMs)) * 100) / 100,
      downloadRatio: Math.round((downloadMs / (net.downMs + sodium.decryptMs)) * 100) / 100,
    };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
