import type { MessageRecord } from '../../../../common/contract';
import { applyRuns } from './apply-runs';
import type { ParsedEvent } from './event-applier';

const message = (bytes: number) => ({ ciphertext: 'x'.repeat(bytes) }) as unknown as MessageRecord;
const batch = (phase: 1 | 2 | 3, count: number, bytes = 10, id = `h1:${phase}:${count}`): ParsedEvent => ({
  name: 'message:sync',
  id,
  payload: { phase, messages: Array.from({ length: count }, () => message(bytes)), chatsCompleted: [] },
});
const ready: ParsedEvent = {
  name: 'phase_2_last_10_chats_ready',
  id: 'h1:9:0',
  payload: { chats: 1, messages: 0, bytes: 0 },
};
const live: ParsedEvent = {
  name: 'message:status',
  id: '12',
  payload: { chatId: 'c', messageId: 'm', status: 'read' },
};
const shape = (runs: ParsedEvent[][]) =>
  runs.map((run) =>
    run.map((e) => (e.name === 'message:sync' ? `${e.payload.phase}:${e.payload.messages.length}` : e.name)),
  );

describe('applyRuns (one transaction per run)', () => {
  const limit = { messages: 100, bytes: 10_000 };

  it('joins queued history batches up to the message limit, and other events apart from them', () => {
    const runs = applyRuns([batch(2, 40), batch(2, 40), batch(3, 40), ready, live, batch(3, 30)], limit);
    expect(shape(runs)).toEqual([
      ['2:40', '2:40'],
      ['3:40'],
      ['phase_2_last_10_chats_ready', 'message:status'],
      ['3:30'],
    ]);
  });

  it('also stops at the byte limit (large envelopes)', () => {
    const runs = applyRuns([batch(3, 5, 3_000), batch(3, 5, 3_000)], limit);
    expect(shape(runs)).toEqual([['3:5'], ['3:5']]);
  });

  it("applies every phase-1 batch alone, so the last chat's first screen is stored without waiting", () => {
    const runs = applyRuns([batch(1, 20), batch(1, 30), batch(2, 10), batch(2, 10)], limit);
    expect(shape(runs)).toEqual([['1:20'], ['1:30'], ['2:10', '2:10']]);
  });

  it('keeps arrival order and drops nothing', () => {
    const events = [live, batch(2, 60), batch(2, 60), ready, batch(1, 5), live];
    expect(applyRuns(events, limit).flat()).toEqual(events);
    expect(applyRuns([])).toEqual([]);
  });
});
