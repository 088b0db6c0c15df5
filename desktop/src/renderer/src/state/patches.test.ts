import { describe, expect, it } from '@jest/globals';
import type { ChatListEntry, MessageView } from '../../../../../common/contract/ipc';
import { patchChatList, patchMessages } from './patches';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const chat = (n: number, updatedAt: string, extra: Partial<ChatListEntry> = {}): ChatListEntry => ({
  chatId: id(n),
  title: `Chat ${n}`,
  pinned: false,
  updatedAt,
  unread: 0,
  hasDraft: false,
  decryptable: true,
  lastMessage: null,
  ...extra,
});
const message = (n: number, createdAt: string, text = `m${n}`): MessageView => ({
  messageId: id(100 + n),
  chatId: id(1),
  senderName: 'Ann',
  verification: 'verified',
  text,
  sentAt: Date.parse(createdAt),
  createdAt,
  status: 'sent',
  mine: false,
  decrypted: true,
  failure: null,
  replyTo: null,
  edited: false,
  editRefused: false,
  deleted: false,
});

describe('patchChatList', () => {
  const list = [chat(1, '2026-01-03T00:00:00Z'), chat(2, '2026-01-02T00:00:00Z'), chat(3, '2026-01-01T00:00:00Z')];

  it('replaces a changed entry and moves it to where the list order puts it', () => {
    const next = patchChatList(list, [id(3)], [chat(3, '2026-01-04T00:00:00Z', { unread: 1 })]);
    expect(next.map((c) => c.chatId)).toEqual([id(3), id(1), id(2)]);
    expect(next[0]!.unread).toBe(1);
    expect(next[1]).toBe(list[0]); // untouched entries are the same objects
  });

  it('adds new chats, drops chats named without an entry, keeps pinned chats first', () => {
    const next = patchChatList(
      list,
      [id(2), id(4)],
      [chat(4, '2026-01-05T00:00:00Z'), chat(1, '2026-01-03T00:00:00Z', { pinned: true })],
    );
    expect(next.map((c) => c.chatId)).toEqual([id(1), id(4), id(3)]);
  });
});

describe('patchMessages', () => {
  const loaded = [message(1, '2026-01-01T00:00:01Z'), message(2, '2026-01-01T00:00:02Z')];

  it('appends a new message in order and replaces a changed one', () => {
    const newer = message(3, '2026-01-01T00:00:03Z');
    const read = { ...loaded[0]!, status: 'read' as const };
    const next = patchMessages(loaded, false, [newer.messageId, read.messageId], [newer, read]);
    expect(next.map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
    expect(next[0]!.status).toBe('read');
  });

  it('leaves a message older than the loaded page to that page when older pages remain', () => {
    const older = message(0, '2026-01-01T00:00:00Z');
    expect(patchMessages(loaded, true, [older.messageId], [older]).map((m) => m.text)).toEqual(['m1', 'm2']);
    expect(patchMessages(loaded, false, [older.messageId], [older]).map((m) => m.text)).toEqual(['m0', 'm1', 'm2']);
  });

  it('drops a message named without a view (it left the store)', () => {
    expect(patchMessages(loaded, false, [loaded[1]!.messageId], []).map((m) => m.text)).toEqual(['m1']);
  });
});
