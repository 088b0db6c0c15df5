import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DependencyHealth } from '../../../../common/contract';
import type { Logger } from '../../observability/logger';

/**
 * How signals reach the other server instances. In one process there is nothing to do; with several
 * instances (REDIS_URL) every signal is also published on Redis pub/sub and each instance re-emits the
 * ones that came from the others. Signals are hints, never the data: a stream that is woken reads the
 * change log, and a pairing wait re-reads the session, from the shared database.
 */
export interface Fanout {
  /** Sends `message` to the other instances (the caller has already handled it locally). */
  publish(channel: FanoutChannel, message: string): void;
  /** Messages from the other instances on `channel`. */
  subscribe(channel: FanoutChannel, handler: (message: string) => void): void;
  close(): Promise<void>;
  /** Whether signals can reach the other instances now (for /healthz; the caller bounds the wait). */
  check(): Promise<DependencyHealth>;
}

export type FanoutChannel = 'changes' | 'pairing' | 'sessions';

/** The single-instance fan-out: nothing leaves the process. */
export const localOnly: Fanout = {
  publish() {},
  subscribe() {},
  async close() {},
  async check() {
    return { status: 'not_configured' };
  },
};

const PREFIX = 'symc:';

/**
 * Redis pub/sub: one connection publishes, one is subscribed to every channel for the life of the
 * process (a wait doesn't pay a SUBSCRIBE round trip). Each message carries this instance's id so an
 * instance ignores its own echo. Resolves once the subscription is live, so nothing published after
 * start-up is missed; rejects with a sentence if Redis can't be reached.
 */
export async function connectRedisFanout(url: string, logger: Logger): Promise<Fanout> {
  const instanceId = randomUUID();
  const handlers = new Map<FanoutChannel, Array<(message: string) => void>>();
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    connectionName: `symc-${instanceId.slice(0, 8)}`,
  } as const;
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  let lastError: string | null = null;
  for (const [role, connection] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    connection.on('error', (error: Error) => {
      lastError = error.message;
      logger.warn({ err: { message: error.message }, role }, 'redis connection problem');
    });
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(`${PREFIX}changes`, `${PREFIX}pairing`, `${PREFIX}sessions`);
  } catch (error) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`Could not connect to Redis at REDIS_URL (${lastError ?? (error as Error).message})`, {
      cause: error,
    });
  }
  sub.on('message', (channelName: string, payload: string) => {
    const channel = channelName.slice(PREFIX.length) as FanoutChannel;
    const separator = payload.indexOf('|');
    if (separator < 0 || payload.slice(0, separator) === instanceId) return;
    const message = payload.slice(separator + 1);
    for (const handler of handlers.get(channel) ?? []) handler(message);
  });
  logger.info({ instanceId }, 'fan-out through redis pub/sub');
  return {
    publish(channel, message) {
      pub.publish(`${PREFIX}${channel}`, `${instanceId}|${message}`).catch((error: Error) => {
        // The local listeners already have it; the other instances catch up from the log on the next change.
        logger.warn({ err: { message: error.message }, channel }, 'redis publish failed');
      });
    },
    subscribe(channel, handler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    async close() {
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
    async check() {
      // Both connections matter: the publisher sends this instance's signals, the subscriber receives the others'.
      if (sub.status !== 'ready') {
        return {
          status: 'down',
          detail: `the Redis subscriber is ${sub.status}: signals from other instances are not arriving`,
        };
      }
      const began = performance.now();
      try {
        await pub.ping();
        return { status: 'ok', latencyMs: Math.round((performance.now() - began) * 10) / 10 };
      } catch (error) {
        return { status: 'down', detail: `Redis did not answer PING (${(error as Error).message})` };
      }
    },
  };
}
