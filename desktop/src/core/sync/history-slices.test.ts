import type { MessageRecord } from '../../../../common/contract';
import { initCrypto } from '../../../../common/crypto';
import { LocalStore } from '../store/local-store';
import { applyEvents, type ParsedEvent, parseEvent } from './event-applier';
import { parseEventInSlices, screenHistory } from './history-slices';
import { tamper, type TestAccount, type TestChat, testChat, testMessage } from '../../../test/support/sync-fixtures';
import { closeTestStore, openTestStore } from '../../../test/support/test-store';

let dir: string;
let store: LocalStore;
let me: TestAccount;

beforeAll(() => initCrypto());
beforeEach(() => {
  ({ dir, store, me } = openTestStore('symc-slices-'));
});
afterEach(() => closeTestStore({ dir, store }));

function seedChat(options: Parameters<typeof testChat>[1] = {}): TestChat {
  const chat = testChat(me, options);
  store.upsertChats([chat.summary]);
  return chat;
}

/** A pause that counts the turns it was asked for (the engine's yields to the event loop). */
function countingPause() {
  const pause = Object.assign(
    async () => {
      pause.turns += 1;
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    { turns: 0 },
  );
  return pause;
}

const batch = (messages: unknown[], id = 'h9:2:0') => ({
  name: 'message:sync',
  data: JSON.stringify({ phase: 3, messages, chatsCompleted: [] }),
  id,
});

describe('a history batch in slices (the main thread keeps turning)', () => {
  it('validates a batch slice by slice, to exactly what parsing it whole gives', async () => {
    const chat = seedChat();
    const raw = batch(Array.from({ length: 23 }, (_, i) => testMessage(me, chat, `m${i}`)));
    const pause = countingPause();
    const sliced = await parseEventInSlices(raw, pause, 5);
    expect(sliced).toEqual(parseEvent(raw));
    expect(pause.turns).toBe(5); // 23 messages in slices of 5
  });

  it('names the message that breaks the contract by its place in the whole batch', async () => {
    const chat = seedChat();
    const messages: unknown[] = Array.from({ length: 12 }, (_, i) => testMessage(me, chat, `m${i}`));
    messages[8] = { ...(messages[8] as MessageRecord), status: 'teleported' };
    const sliced = await parseEventInSlices(batch(messages), countingPause(), 5);
    expect(sliced).toEqual(parseEvent(batch(messages)));
    expect(!sliced.ok && sliced.problem.message).toContain('messages.8.status');
    // The batch's own fields are checked too, and malformed JSON stays malformed.
    const badPhase = {
      ...batch(messages.slice(0, 7)),
      data: batch(messages.slice(0, 7)).data.replace('"phase":3', '"phase":7'),
    };
    expect(await parseEventInSlices(badPhase, countingPause(), 5)).toMatchObject({
      ok: false,
      problem: { code: 'invalid_payload' },
    });
    expect(await parseEventInSlices({ ...badPhase, data: '{"phase":' }, countingPause(), 5)).toMatchObject({
      ok: false,
      problem: { code: 'malformed_json' },
    });
  });

  it('opens envelopes in slices before the transaction; the transaction stores what opened and reports the rest', async () => {
    const chat = seedChat();
    const locked = seedChat({ unreadable: true });
    const good = Array.from({ length: 11 }, (_, i) => testMessage(me, chat, `m${i}`));
    const forged = testMessage(me, chat, 'forged');
    const messages = [
      ...good.slice(0, 6),
      { ...forged, ciphertext: tamper(forged.ciphertext) },
      testMessage(me, locked, 'x'),
      ...good.slice(6),
    ];
    const parsed = parseEvent(batch(messages, 'h9:3:0'));
    if (!parsed.ok) throw new Error(parsed.problem.message);
    const pause = countingPause();
    const screened = await screenHistory(store, me.keyring, [parsed.event], pause, 4);
    expect(pause.turns).toBe(4); // 13 messages in slices of 4
    // Nothing is written before the transaction: a stop (or crash) while screening leaves no trace.
    expect(store.allMessageIds()).toEqual([]);
    expect(store.getState('last_event_id')).toBeNull();

    const result = store.transaction(() => applyEvents(store, me.keyring, [parsed.event], screened));
    expect(result.inserted.map((m) => m.messageId)).toEqual(good.map((m) => m.messageId));
    expect(result.problems.map((p) => p.code).sort()).toEqual(['undecryptable_chat', 'undecryptable_message']);
    expect(store.getState('last_event_id')).toBe('h9:3:0');
  });

  it('a chat that left the store between the screening and the transaction: its messages are skipped and reported', async () => {
    const stays = seedChat();
    const leaves = seedChat();
    const messages = [testMessage(me, stays, 'a'), testMessage(me, leaves, 'b'), testMessage(me, stays, 'c')];
    const event = (parseEvent(batch(messages, 'h9:4:0')) as { ok: true; event: ParsedEvent }).event;
    const screened = await screenHistory(store, me.keyring, [event], countingPause(), 2);
    store.removeChat(leaves.summary.chatId); // e.g. the user left it meanwhile
    const result = store.transaction(() => applyEvents(store, me.keyring, [event], screened));
    expect(result.inserted.map((m) => m.messageId)).toEqual([messages[0]!.messageId, messages[2]!.messageId]);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'undecryptable_chat' })]);
    expect(store.allMessageIds()).toEqual([messages[0]!.messageId, messages[2]!.messageId].sort());
    expect(store.getState('last_event_id')).toBe('h9:4:0');
  });
});
