import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { type CutReason, SseWriter } from './sse-writer';

/** A real HTTP server whose one route hands its response to `onStream`; a client socket that never reads. */
async function unreadStream(
  onStream: (writer: SseWriter) => void,
  limits: { stallMs: number; maxBufferedBytes: number },
) {
  const cuts: CutReason[] = [];
  const app = express();
  app.get('/stream', (_req, res) =>
    onStream(new SseWriter(res, { heartbeatMs: 10, ...limits }, (reason) => cuts.push(reason))),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const socket = net.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  socket.on('error', () => {});
  socket.pause();
  socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  return {
    cuts,
    async close() {
      socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const big = { deviceId: 'x'.repeat(200_000) };

describe('SseWriter against a reader that never reads', () => {
  it('a producer that does not wait for the socket is cut once the unread bytes pass the bound', async () => {
    let writer: SseWriter | null = null;
    const stream = await unreadStream((w) => (writer = w), { stallMs: 60_000, maxBufferedBytes: 1024 * 1024 });
    try {
      await until(() => writer !== null);
      // Never awaited: without the bound, all of it (40 MB) would sit in the server's memory.
      for (let i = 0; i < 200 && !writer!.closed; i++) void writer!.send('device:revoked', big);
      expect(writer!.closed).toBe(true);
      expect(stream.cuts).toEqual(['buffer_full']);
      expect(writer!.bytesWritten).toBeLessThan(1024 * 1024 + 8 * 200_100);
    } finally {
      await stream.close();
    }
  });

  it('heartbeats while backpressured add no listeners and no bytes; the stalled stream is cut', async () => {
    let writer: SseWriter | null = null;
    const stream = await unreadStream((w) => (writer = w), { stallMs: 300, maxBufferedBytes: 64 * 1024 * 1024 });
    try {
      await until(() => writer !== null);
      const w = writer!;
      const listeners = () => [w.response.listenerCount('drain'), w.response.listenerCount('close')];
      const before = listeners();
      // Fill the kernel's buffers, then the response's, until a send waits for the socket.
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 400; i++) {
        const sent = w.send('device:revoked', big);
        sends.push(sent);
        const waiting = await Promise.race([
          sent.then(() => false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 100)),
        ]);
        if (waiting) break;
      }
      const held = w.bytesWritten;
      let most = before;
      await until(() => {
        most = most.map((n, i) => Math.max(n, listeners()[i]!));
        return w.closed;
      });
      expect(most).toEqual(before);
      // Nothing was added by the ~30 heartbeats that fell due meanwhile.
      expect(w.bytesWritten).toBe(held);
      expect(stream.cuts).toEqual(['stalled']);
      // Every producer waiting on the socket is released by the cut.
      await Promise.all(sends);
    } finally {
      await stream.close();
    }
  });
});
