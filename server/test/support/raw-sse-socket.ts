import net from 'node:net';

/**
 * A client that opens the sync stream over a bare TCP socket and then never reads it (the kernel's
 * receive buffer fills, then the server's send buffer, then the server's own memory would). `finish()`
 * starts reading at last and resolves once the connection is over, however the server ended it.
 */
export async function openUnreadStream(
  url: string,
  accessToken: string,
): Promise<{ finish(timeoutMs: number): Promise<'ended' | 'reset'> }> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let outcome: 'ended' | 'reset' | null = null;
  socket.on('error', () => (outcome ??= 'reset'));
  socket.on('close', () => (outcome ??= 'ended'));
  socket.pause();
  socket.write(
    `GET /sse/connect HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${accessToken}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  return {
    finish: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`the server did not close the unread stream within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve(outcome ?? 'ended');
        };
        if (socket.destroyed) done();
        else socket.once('close', done);
        socket.on('data', () => {});
        socket.resume();
      }),
  };
}
