import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MessageRecord } from '../../../../common/contract';
import { LocalStore } from './local-store';
import { mergeReceipts } from './rows';

const ALICE = '00000000-0000-4000-8000-00000000000a';
const BOB = '00000000-0000-4000-8000-00000000000b';
const CAROL = '00000000-0000-4000-8000-00000000000c';
const CHAT = '00000000-0000-4000-8000-0000000000c1';
const MSG = '00000000-0000-4000-8000-0000000000e1';
const T1 = '2026-01-01T00:00:01.000Z';
const T2 = '2026-01-01T00:00:02.000Z';

describe('receipts in the desktop store', () => {
  it('merging only grows: a late older event removes nothing, the earliest time stays, read implies delivered', () => {
    const stored = mergeReceipts(null, { deliveredTo: [{ userId: BOB, at: T1 }], readBy: [{ userId: BOB, at: T2 }] });
    expect(mergeReceipts(stored, { deliveredTo: [], readBy: [] })).toEqual(stored);
    expect(mergeReceipts(stored, { deliveredTo: [{ userId: BOB, at: T2 }] }).deliveredTo).toEqual([
      { userId: BOB, at: T1 },
    ]);
    // A read without its delivered entry (a forged or partial event) still counts as delivered.
    expect(mergeReceipts(null, { readBy: [{ userId: CAROL, at: T2 }] }).deliveredTo).toEqual([
      { userId: CAROL, at: T2 },
    ]);
  });

  it('stores the lists of a synced own message and merges a later status event into them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-receipts-'));
    const store = LocalStore.open(path.join(dir, 'local.db'));
    try {
      store.upsertChats([
        {
          chatId: CHAT,
          createdByUserId: ALICE,
          encryptedMeta: `v1.${'A'.repeat(32)}.${'B'.repeat(40)}`,
          metaVersion: 1,
          createdAt: T1,
          updatedAt: T1,
          members: [],
          wrappedChatKey: null,
          sealedChatKey: null,
          lastOpenedAt: null,
          pinned: false,
          messageCount: 1,
        },
      ]);
      const record: MessageRecord = {
        messageId: MSG,
        chatId: CHAT,
        senderUserId: ALICE,
        senderDeviceId: ALICE,
        clientKey: 'k1',
        ciphertext: `v1.${'A'.repeat(32)}.${'B'.repeat(40)}`,
        status: 'sent',
        createdAt: T1,
        deliveredTo: [{ userId: BOB, at: T1 }],
        readBy: [],
      };
      store.putMessages([record]);
      expect(JSON.parse(store.getMessage(CHAT, MSG)!.receipts!)).toEqual({
        deliveredTo: [{ userId: BOB, at: T1 }],
        readBy: [],
      });
      expect(store.putReceipts(CHAT, MSG, { readBy: [{ userId: BOB, at: T2 }] })).toBe(true);
      expect(store.putReceipts(CHAT, MSG, { deliveredTo: [{ userId: BOB, at: T1 }] })).toBe(false);
      expect(JSON.parse(store.getMessage(CHAT, MSG)!.receipts!)).toEqual({
        deliveredTo: [{ userId: BOB, at: T1 }],
        readBy: [{ userId: BOB, at: T2 }],
      });
      // A message without lists (someone else's) keeps none.
      expect(store.putReceipts(CHAT, '00000000-0000-4000-8000-0000000000e2', { readBy: [] })).toBe(false);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
