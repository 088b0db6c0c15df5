import { randomUUID } from 'node:crypto';
import { SyncEvents } from '../../../../common/contract';

const ids = { chat: randomUUID(), user: randomUUID(), device: randomUUID() };
const messageIds = Array.from({ length: 500 }, () => randomUUID());
import { HistoryBatch } from './history-batch';

const record = (n: number) => ({
  messageId: messageIds[n]!,
  chatId: ids.chat,
  senderUserId: ids.user,
  senderDeviceId: ids.device,
  clientKey: `k${n}`,
  ciphertext: `v1.${'A'.repeat(32)}.${'B'.repeat(22 + (n % 7))}`,
  status: 'read' as const,
  createdAt: new Date(1_700_000_000_000 + n).toISOString(),
});

describe('HistoryBatch', () => {
  it('writes exactly the JSON of a message:sync payload, in bounded pieces, with no raw newline', () => {
    const batch = new HistoryBatch();
    for (let n = 0; n < 500; n++) batch.add(record(n), 10);
    batch.completed(ids.chat);
    expect(batch.messages).toBe(500);
    expect(batch.bytes).toBe(5000);
    const parts = batch.take(2, 4096);
    const text = parts.join('');
    expect(text).not.toContain('\n');
    expect(text).toBe(
      JSON.stringify({
        phase: 2,
        messages: Array.from({ length: 500 }, (_, n) => record(n)),
        chatsCompleted: [ids.chat],
      }),
    );
    expect(SyncEvents['message:sync'].parse(JSON.parse(text))).toBeTruthy();
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(part.length).toBeLessThan(4096 + 400); // a group ends with the message that crosses the bound
    expect(batch.isEmpty).toBe(true);
    expect(batch.bytes).toBe(0);
  });

  it('escapes what a client put in its fields: never a raw newline in the data line', () => {
    const batch = new HistoryBatch();
    batch.add({ ...record(1), clientKey: 'a\nb\r\u2028"c' }, 1);
    const text = batch.take(1).join('');
    expect(text).not.toMatch(/[\r\n]/);
    expect((JSON.parse(text) as { messages: Array<{ clientKey: string }> }).messages[0]!.clientKey).toBe(
      'a\nb\r\u2028"c',
    );
  });

  it('an empty batch that only completes chats is still a valid payload', () => {
    const batch = new HistoryBatch();
    expect(batch.isEmpty).toBe(true);
    batch.completed('a');
    batch.completed('b');
    expect(JSON.parse(batch.take(3).join(''))).toEqual({ phase: 3, messages: [], chatsCompleted: ['a', 'b'] });
  });
});
