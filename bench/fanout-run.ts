import { createApiClient } from '../common/contract';
import { Child, nowMs } from './child';
import type { FanoutAccount } from './fanout-seed';
import type { ListenerShare } from './fanout-process';

/** Listening desktops per fan-out process: one event loop reads at most this many streams. */
export const DEVICES_PER_LISTENER_PROCESS = 2_500;
const MAX_LISTENER_PROCESSES = 4;
/** How long one message may take to reach every device before the run fails with a count. */
const DELIVERY_TIMEOUT_MS = 120_000;

export interface FanoutMeasure {
  /** Per delivery: the instant a stream delivered the message − the instant the phone started sending it. */
  readonly latencies: number[];
  /** The sender's own request time, per counted message. */
  readonly sendMs: number[];
  readonly listenerProcesses: number;
}

/**
 * The fan-out measurement: the group's listening desktops connect (spread over `listenerUrls`, the
 * instances other than the sender's), then the owner's phone sends the account's messages one at a time
 * to `serverUrl`, each once every device has the one before. The first message warms up the code paths
 * and is not counted. Listeners run in ⌈devices / 2,500⌉ processes (at most 4): one process reading
 * 10,000 sockets would measure its own event loop, not the server.
 */
export async function measureFanout(input: {
  serverUrl: string;
  listenerUrls: readonly string[];
  ownerToken: string;
  account: FanoutAccount;
  /** Runs once every listener is connected, before the first message. */
  onListening?: () => Promise<void>;
  /** Listeners per process (tests use a small number to run several processes). */
  devicesPerProcess?: number;
}): Promise<FanoutMeasure> {
  const { account } = input;
  const urls = input.listenerUrls.length > 0 ? [...input.listenerUrls] : [input.serverUrl];
  const count = Math.min(
    MAX_LISTENER_PROCESSES,
    Math.max(1, Math.ceil(account.listeners.length / (input.devicesPerProcess ?? DEVICES_PER_LISTENER_PROCESS))),
  );
  const per = Math.ceil(account.listeners.length / count);
  const shares: ListenerShare[] = Array.from({ length: count }, (_, i) => ({
    urls,
    offset: i * per,
    listeners: account.listeners.slice(i * per, (i + 1) * per),
  })).filter((s) => s.listeners.length > 0);
  const children = shares.map(() => new Child('fanout-process.ts'));
  try {
    await Promise.all(
      children.map((child, i) => child.request({ type: 'listen', ...shares[i]! }, 'listening', 600_000)),
    );
    await input.onListening?.();
    const api = createApiClient({ baseUrl: input.serverUrl, accessToken: () => input.ownerToken });
    const latencies: number[] = [];
    const sendMs: number[] = [];
    for (const [round, m] of account.messages.entries()) {
      const delivered = children.map((child, i) =>
        child.request<{ type: string; at: number[] }>(
          {
            type: 'expect',
            messageId: m.messageId,
            devices: shares[i]!.listeners.length,
            timeoutMs: DELIVERY_TIMEOUT_MS,
          },
          'delivered',
          DELIVERY_TIMEOUT_MS + 10_000,
        ),
      );
      const started = nowMs();
      await api.call('sendMessage', { params: { chatId: account.chatId }, body: m });
      const committed = nowMs();
      const times = (await Promise.all(delivered)).flatMap((d) => d.at);
      if (round > 0) {
        for (const t of times) latencies.push(t - started);
        sendMs.push(committed - started);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { latencies, sendMs, listenerProcesses: children.length };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
