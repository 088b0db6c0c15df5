import { ApiError } from '../../../../common/contract';
import type { DeviceSession } from '../session/device-session';
import { AppliedAcks } from './applied-acks';

/** A session whose `ackSync` answers are scripted; every other call is a bug here. */
function fakeSession(answers: Array<'ok' | ApiError>) {
  const sent: string[] = [];
  const session = {
    call: async (name: string, input: { body: { position: string } }) => {
      if (name !== 'ackSync') throw new Error(`unexpected call ${name}`);
      sent.push(input.body.position);
      const answer = answers.shift() ?? 'ok';
      if (answer !== 'ok') throw answer;
      return { status: { state: 'up_to_date', syncedAt: null }, latestSeq: 0 };
    },
  } as unknown as DeviceSession;
  return { session, sent };
}

describe('AppliedAcks', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('acknowledges only the latest position of each interval, never one per event', async () => {
    const { session, sent } = fakeSession([]);
    const acks = new AppliedAcks(session, 1000);
    acks.open();
    for (let seq = 1; seq <= 50; seq++) acks.applied(String(seq));
    await jest.advanceTimersByTimeAsync(999);
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent).toEqual(['50']);
    // Nothing new applied: nothing sent; the same position again: still nothing.
    acks.applied('50');
    await jest.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual(['50']);
    acks.applied('h3:1:0');
    acks.applied('51');
    await jest.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual(['50', '51']);
    await acks.close();
  });

  it('keeps a position through a passing failure (offline, 429, 5xx) and drops one the server refuses', async () => {
    const { session, sent } = fakeSession([
      new ApiError(0, 'network_error', 'offline'),
      new ApiError(429, 'rate_limited', 'slow down'),
      'ok',
      new ApiError(409, 'stale_position', 'behind'),
    ]);
    const acks = new AppliedAcks(session, 100);
    acks.open();
    acks.applied('7');
    await jest.advanceTimersByTimeAsync(300);
    expect(sent).toEqual(['7', '7', '7']);
    acks.applied('5');
    await jest.advanceTimersByTimeAsync(1000);
    // Refused: not sent again.
    expect(sent).toEqual(['7', '7', '7', '5']);
    await acks.close();
  });

  it('sends nothing while closed; a position applied meanwhile goes once it opens again', async () => {
    const { session, sent } = fakeSession([]);
    const acks = new AppliedAcks(session, 100);
    acks.applied('3');
    await jest.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([]);
    acks.open();
    await jest.advanceTimersByTimeAsync(100);
    expect(sent).toEqual(['3']);
    await acks.close();
    acks.applied('4');
    await jest.advanceTimersByTimeAsync(500);
    expect(sent).toEqual(['3']);
  });

  it('closing sends the latest position not yet acknowledged at once, and never retries it', async () => {
    const { session, sent } = fakeSession([new ApiError(0, 'network_error', 'offline')]);
    const acks = new AppliedAcks(session, 60_000);
    acks.open();
    acks.applied('8');
    await acks.close();
    expect(sent).toEqual(['8']);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(sent).toEqual(['8']);
    // Closing again with nothing new sends nothing.
    await acks.close();
    expect(sent).toEqual(['8']);
  });

  it('the last acknowledgement at close waits for the server’s minimum gap after the previous one', async () => {
    const { session, sent } = fakeSession([]);
    const acks = new AppliedAcks(session, 100);
    acks.open();
    acks.applied('1');
    await jest.advanceTimersByTimeAsync(100);
    expect(sent).toEqual(['1']);
    acks.applied('2');
    const closed = acks.close();
    await jest.advanceTimersByTimeAsync(500);
    expect(sent).toEqual(['1']);
    await jest.advanceTimersByTimeAsync(700);
    await closed;
    expect(sent).toEqual(['1', '2']);
  });
});
