import pino from 'pino';
import { ChangeBus } from './change-bus';
import type { CommittedChange } from './change-log';
import { connectRedisFanout, type Fanout, type FanoutChannel } from './fanout';

/**
 * Two instances' buses joined by an in-memory wire that behaves like the Redis fan-out (each side hears
 * only the other). The Redis fan-out itself runs in e2e/multi-instance.pg.test.ts (npm run test:pg).
 */
function wire(): [Fanout & { inject(channel: FanoutChannel, message: string): void }, Fanout] {
  const handlers: Array<Map<FanoutChannel, Array<(m: string) => void>>> = [new Map(), new Map()];
  const side = (me: number) => ({
    publish: (channel: FanoutChannel, message: string) => handlers[1 - me]!.get(channel)?.forEach((h) => h(message)),
    subscribe: (channel: FanoutChannel, handler: (m: string) => void) => {
      handlers[me]!.set(channel, [...(handlers[me]!.get(channel) ?? []), handler]);
    },
    close: async () => {},
    check: async () => ({ status: 'ok' as const }),
    inject: (channel: FanoutChannel, message: string) => handlers[me]!.get(channel)?.forEach((h) => h(message)),
  });
  return [side(0), side(1)];
}

describe('ChangeBus across instances', () => {
  const change: CommittedChange = { userId: 'u1', seq: 7, kind: 'message:new', chatId: 'c1', entityId: 'm1' };

  it('a change published on one instance reaches the listeners of both, once each', () => {
    const [left, right] = wire();
    const a = new ChangeBus(left);
    const b = new ChangeBus(right);
    const heardA: CommittedChange[] = [];
    const heardB: CommittedChange[] = [];
    a.on('change', (c) => heardA.push(c));
    b.on('change', (c) => heardB.push(c));
    a.publish([change]);
    expect(heardA).toEqual([change]);
    expect(heardB).toEqual([change]);
  });

  it("a user's subscription hears that user's changes only, local or remote, until it unsubscribes", () => {
    const [left, right] = wire();
    const a = new ChangeBus(left);
    const b = new ChangeBus(right);
    const heard: CommittedChange[] = [];
    const unsubscribe = b.subscribeUser('u1', (c) => heard.push(c));
    const other: CommittedChange = { ...change, userId: 'u2', seq: 3 };
    a.publish([change, other]);
    b.publish([{ ...change, seq: 8 }, other]);
    unsubscribe();
    a.publish([{ ...change, seq: 9 }]);
    expect(heard.map((c) => [c.userId, c.seq])).toEqual([
      ['u1', 7],
      ['u1', 8],
    ]);
  });

  it('a malformed notification from another instance is logged and ignored', () => {
    const [left] = wire();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const bus = new ChangeBus(left, logger);
    const heard: CommittedChange[] = [];
    bus.on('change', (c) => heard.push(c));
    left.inject('changes', 'not json');
    left.inject('changes', JSON.stringify([{ ...change, seq: 'seven' }]));
    left.inject('changes', JSON.stringify([{ ...change, kind: 'chat:explode' }]));
    left.inject('changes', JSON.stringify([change]));
    expect(heard).toEqual([change]);
    expect(lines.filter((l) => l.includes('malformed change notification'))).toHaveLength(3);
  });

  it('with REDIS_URL pointing nowhere, start-up fails at once with a sentence naming the cause', async () => {
    await expect(connectRedisFanout('redis://127.0.0.1:1', pino({ level: 'silent' }))).rejects.toThrow(
      /^Could not connect to Redis at REDIS_URL \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/,
    );
  });
});
