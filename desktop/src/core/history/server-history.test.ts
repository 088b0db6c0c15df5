import type { MessageRecord } from '../../../../common/contract';
import { screenOlderPage } from './server-history';

const CHAT = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const record = (n: number, createdAt: string, chatId = CHAT): MessageRecord => ({
  messageId: id(n),
  chatId,
  senderUserId: id(900),
  senderDeviceId: id(901),
  clientKey: `k${n}`,
  ciphertext: `v1.${'A'.repeat(32)}.${'B'.repeat(40)}`,
  status: 'sent',
  createdAt,
});

describe('screenOlderPage: what a page of older messages may hold before it is applied', () => {
  const anchor = { createdAt: '2026-01-02T00:00:00.000Z', id: id(50) };

  it('keeps messages of the chat before the position asked for, once each, and none already stored', () => {
    const page = [
      record(1, '2026-01-01T00:00:00.000Z'),
      record(2, '2026-01-01T00:00:01.000Z'),
      record(2, '2026-01-01T00:00:01.000Z'), // twice in the page
      record(3, '2026-01-01T00:00:02.000Z'), // stored already
    ];
    const { accepted, refused } = screenOlderPage(CHAT, anchor, page, (m) => m === id(3));
    expect(accepted.map((m) => m.messageId)).toEqual([id(1), id(2)]);
    expect(refused).toEqual([]);
  });

  it("refuses another chat's message, the anchor itself and anything after the position", () => {
    const page = [
      record(4, '2026-01-01T00:00:00.000Z', OTHER),
      { ...record(50, '2026-01-02T00:00:00.000Z') },
      record(5, '2026-01-03T00:00:00.000Z'),
    ];
    const { accepted, refused } = screenOlderPage(CHAT, anchor, page, () => false);
    expect(accepted).toEqual([]);
    expect(refused).toEqual([
      `message ${id(4)} belongs to chat ${OTHER}, not ${CHAT}`,
      `message ${id(50)} is not before the position asked for`,
      `message ${id(5)} is not before the position asked for`,
    ]);
  });

  it('with nothing stored (no anchor) takes the newest page as it comes, still only of this chat', () => {
    const { accepted, refused } = screenOlderPage(
      CHAT,
      null,
      [record(6, '2030-01-01T00:00:00.000Z'), record(7, '2026-01-01T00:00:00.000Z', OTHER)],
      () => false,
    );
    expect(accepted.map((m) => m.messageId)).toEqual([id(6)]);
    expect(refused).toHaveLength(1);
  });
});
