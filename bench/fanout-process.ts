import http from 'node:http';
import { nowMs, peakRssMb, serveParent } from './child';

/**
 * One share of the fan-out's listening desktops: real SSE connections (plain HTTP streams, one socket
 * each — as that many desktops would hold). The orchestrator (fanout-run.ts) runs several such processes
 * for thousands of devices and sends as the phone itself; each process tells it, per message, the instant
 * each of its streams delivered the `message:new` — on the wall clock every bench process shares.
 *
 * Reading a delivery costs as little as it can (no regex, no JSON.parse of the event: the message id is cut
 * out of the text): with 10,000 streams in a few processes on the bench's own two cores, the listeners'
 * CPU time is part of every latency measured after them.
 */
export interface ListenerShare {
  /** Instances to connect to, round-robin from `offset` (the listener's index over all processes). */
  readonly urls: readonly string[];
  readonly offset: number;
  readonly listeners: ReadonlyArray<{ accessToken: string; cursor: number }>;
}

/** Connections being opened at once: a burst of thousands would overflow the server's accept queue. */
const CONNECTING_AT_ONCE = 64;
const ID_MARK = '"messageId":"';

const received = new Map<string, number[]>();
const expected = new Map<string, () => void>();
const requests: http.ClientRequest[] = [];

function onBlock(block: string, at: number, onConnected: () => void): void {
  if (block.includes('event: connected\n')) {
    onConnected();
    return;
  }
  if (!block.includes('event: message:new\n')) return;
  const start = block.indexOf(ID_MARK) + ID_MARK.length;
  const messageId = block.slice(start, block.indexOf('"', start));
  let list = received.get(messageId);
  if (!list) received.set(messageId, (list = []));
  list.push(at);
  expected.get(messageId)?.();
}

function listen(url: URL, accessToken: string, cursor: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let connected = false;
    const request = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: '/sse/connect',
        agent: false,
        headers: {
          authorization: `Bearer ${accessToken}`,
          'last-event-id': String(cursor),
          accept: 'text/event-stream',
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`a listener was refused: ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = nowMs();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            onBlock(block, at, () => {
              if (!connected) {
                connected = true;
                resolve();
              }
            });
          }
        });
      },
    );
    request.on('error', reject);
    requests.push(request);
  });
}

serveParent(async (message, reply) => {
  switch (message.type) {
    case 'stop':
      for (const r of requests) r.destroy();
      process.exit(0);
      break;
    case 'listen': {
      const { urls, offset, listeners } = message as unknown as ListenerShare & { type: string };
      const parsed = urls.map((u) => new URL(u));
      let next = 0;
      const worker = async () => {
        while (next < listeners.length) {
          const i = next++;
          const { accessToken, cursor } = listeners[i]!;
          await listen(parsed[(offset + i) % parsed.length]!, accessToken, cursor);
        }
      };
      await Promise.all(Array.from({ length: CONNECTING_AT_ONCE }, worker));
      reply({ type: 'listening', devices: listeners.length });
      break;
    }
    case 'expect': {
      // Replies once every stream of this share delivered the message (or says how many did, after the wait).
      const { messageId, devices, timeoutMs } = message as unknown as {
        messageId: string;
        devices: number;
        timeoutMs: number;
      };
      const done = () => {
        if ((received.get(messageId)?.length ?? 0) < devices) return;
        clearTimeout(timer);
        expected.delete(messageId);
        reply({ type: 'delivered', messageId, at: received.get(messageId) });
      };
      const timer = setTimeout(() => {
        expected.delete(messageId);
        reply({
          type: 'error',
          message: `message ${messageId} reached ${received.get(messageId)?.length ?? 0} of ${devices} devices`,
        });
      }, timeoutMs);
      expected.set(messageId, done);
      done();
      break;
    }
    case 'rss':
      reply({ type: 'rss', peakRssMb: peakRssMb() });
      break;
  }
});
