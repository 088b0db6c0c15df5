import http from 'node:http';
import { createApiClient } from '../common/contract';
import { nowMs, peakRssMb, serveParent } from './child';
import type { FanoutAccount } from './fanout-seed';

/**
 * The fan-out load: N real SSE connections (plain HTTP streams, one socket each — as N desktops would
 * hold) plus the sender (the owner's phone, over the HTTP API), in one process so that "sent" and
 * "received" are read from the same clock. Latency = the instant a desktop's stream delivered the
 * `message:new` minus the instant the phone started sending it.
 */
interface Listener {
  readonly request: http.ClientRequest;
  connected: boolean;
}

const received = new Map<string, number[]>();
let onDelivery: (() => void) | null = null;

function listen(url: URL, accessToken: string, cursor: number, onConnected: () => void): Listener {
  let buffer = '';
  const listener: Listener = {
    connected: false,
    request: http.get(
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
        if (res.statusCode !== 200) throw new Error(`a listener was refused: ${res.statusCode}`);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = nowMs();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const name = /^event: (.*)$/m.exec(block)?.[1];
            if (name === 'connected' && !listener.connected) {
              listener.connected = true;
              onConnected();
            } else if (name === 'message:new') {
              const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { message: { messageId: string } };
              const list = received.get(data.message.messageId) ?? [];
              list.push(at);
              received.set(data.message.messageId, list);
              onDelivery?.();
            }
          }
        });
      },
    ),
  };
  listener.request.on('error', (error) => {
    throw error;
  });
  return listener;
}

const listeners: Listener[] = [];

serveParent(async (message, reply) => {
  if (message.type === 'stop') {
    for (const l of listeners) l.request.destroy();
    process.exit(0);
  }
  if (message.type !== 'run') return;
  const { serverUrl, listenerUrls, ownerToken, account } = message as unknown as {
    /** Where the sender (the phone) sends. */
    serverUrl: string;
    /** Where the listening desktops connect, round-robin (other instances than the sender's); default the sender's. */
    listenerUrls?: string[];
    ownerToken: string;
    account: FanoutAccount;
  };
  const urls = (listenerUrls?.length ? listenerUrls : [serverUrl]).map((u) => new URL(u));
  let connected = 0;
  const allConnected = new Promise<void>((resolve) => {
    for (const [i, { accessToken, cursor }] of account.listeners.entries()) {
      listeners.push(
        listen(urls[i % urls.length]!, accessToken, cursor, () => {
          if (++connected === account.listeners.length) resolve();
        }),
      );
    }
  });
  await allConnected;
  const api = createApiClient({ baseUrl: serverUrl, accessToken: () => ownerToken });
  const latencies: number[] = [];
  const sendMs: number[] = [];
  // The first message warms up the code paths and is not counted.
  for (const [round, m] of account.messages.entries()) {
    const everyone = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `message ${round} reached ${received.get(m.messageId)?.length ?? 0} of ${listeners.length} devices`,
            ),
          ),
        60_000,
      );
      onDelivery = () => {
        if ((received.get(m.messageId)?.length ?? 0) >= listeners.length) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    const started = nowMs();
    await api.call('sendMessage', { params: { chatId: account.chatId }, body: m });
    const committed = nowMs();
    await everyone;
    if (round > 0) {
      latencies.push(...received.get(m.messageId)!.map((t) => t - started));
      sendMs.push(committed - started);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  reply({ type: 'done', latencies, sendMs, peakRssMb: peakRssMb() });
});
