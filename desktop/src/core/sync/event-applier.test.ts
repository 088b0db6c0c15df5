import Database from 'better-sqlite3';
import type { SyncEventName } from '../../../../common/contract';
import { encryptMessageBody, encryptUserSettings } from '../../../../common/content';
import { generateChatKey, initCrypto, randomId, wrapChatKey } from '../../../../common/crypto';
import { LocalStore } from '../store/local-store';
import { readUserSettings, storedSettings } from '../store/user-settings';
import { ChatReader } from '../view/chat-reader';
import { applyEvents, type ParsedEvent, parseEvent, type SyncProblem } from './event-applier';
import {
  tamper,
  type TestAccount,
  testAccount,
  type TestChat,
  testChat,
  testMessage,
} from '../../../test/support/sync-fixtures';
import { SenderBook } from '../../../../common/trust/message-author';
import { EMPTY_DIRECTORY } from '../../../../common/trust/sender-keys';
import { closeTestStore, openTestStore } from '../../../test/support/test-store';

let dir: string;
let store: LocalStore;
let me: TestAccount;

beforeAll(() => initCrypto());
beforeEach(() => {
  ({ dir, store, me } = openTestStore('symc-applier-'));
});
afterEach(() => closeTestStore({ dir, store }));

/** Parses like the engine does: a raw SSE event in, a contract-checked event (or the problem) out. */
function parsed(name: SyncEventName, payload: unknown, id: string | null = null): ParsedEvent {
  const result = parseEvent({ name, data: JSON.stringify(payload), id });
  if (!result.ok) throw new Error(result.problem.message);
  return result.event;
}

function apply(events: ParsedEvent[]) {
  return store.transaction(() => applyEvents(store, me.keyring, events));
}

/** Everything the store holds, for "nothing else changed" comparisons. */
function snapshot() {
  const raw = new Database(store.file, { readonly: true });
  try {
    return {
      chats: raw.prepare('SELECT * FROM chats ORDER BY id').all(),
      messages: raw.prepare('SELECT * FROM messages ORDER BY id').all(),
      state: raw.prepare('SELECT * FROM sync_state ORDER BY key').all(),
    };
  } finally {
    raw.close();
  }
}

function seedChat(options: Parameters<typeof testChat>[1] = {}): TestChat {
  const chat = testChat(me, options);
  store.upsertChats([chat.summary]);
  return chat;
}

describe('parseEvent (bad input is a problem, never an exception)', () => {
  it('reports malformed JSON', () => {
    const result = parseEvent({ name: 'message:new', data: '{"message": {', id: '7' });
    expect(result).toEqual({
      ok: false,
      problem: expect.objectContaining({ code: 'malformed_json', event: 'message:new' }),
    });
  });

  it('reports an event name the contract does not know', () => {
    const result = parseEvent({ name: 'message:explode', data: '{}', id: null });
    expect(result).toEqual({
      ok: false,
      problem: expect.objectContaining({ code: 'unknown_event', event: 'message:explode' }),
    });
  });

  it('reports wrong field types, naming the field', () => {
    const chat = testChat(me);
    const good = testMessage(me, chat, 'hello');
    const result = parseEvent({
      name: 'message:new',
      data: JSON.stringify({ message: { ...good, createdAt: 12 } }),
      id: '3',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.code).toBe('invalid_payload');
    expect(result.problem.message).toContain('message.createdAt');
  });

  it('reports a batch whose ciphertext is not an envelope, or whose phase is out of range', () => {
    const chat = testChat(me);
    const m = testMessage(me, chat, 'x');
    for (const payload of [
      { phase: 1, messages: [{ ...m, ciphertext: 'plaintext!' }], chatsCompleted: [] },
      { phase: 4, messages: [m], chatsCompleted: [] },
      { phase: 1, messages: 'none', chatsCompleted: [] },
      null,
    ]) {
      const result = parseEvent({ name: 'message:sync', data: JSON.stringify(payload), id: 'h1:0:1' });
      expect(result).toEqual({ ok: false, problem: expect.objectContaining({ code: 'invalid_payload' }) });
    }
  });
});

describe('applyEvents', () => {
  it('stores a good batch and advances the position with it', () => {
    const chat = seedChat();
    const batch = [testMessage(me, chat, 'one'), testMessage(me, chat, 'two')];
    const result = apply([
      parsed('message:sync', { phase: 1, messages: batch, chatsCompleted: [chat.summary.chatId] }, 'h5:1:0'),
    ]);
    expect(result.problems).toEqual([]);
    expect(result.inserted.map((m) => m.messageId)).toEqual(batch.map((m) => m.messageId));
    expect(store.getState('last_event_id')).toBe('h5:1:0');
    expect(store.getChat(chat.summary.chatId)?.history_complete).toBe(1);
    expect(
      new ChatReader(store, me.keyring, me.userId, new SenderBook(EMPTY_DIRECTORY))
        .messages(chat.summary.chatId)
        .map((m) => m.text),
    ).toEqual(['one', 'two']);
  });

  it('skips the messages of a chat whose key this device cannot unwrap, reports it, and keeps the rest of the batch', () => {
    const readable = seedChat({ title: 'Readable' });
    const locked = seedChat({ title: 'Locked', unreadable: true });
    const good = [testMessage(me, readable, 'a'), testMessage(me, readable, 'b')];
    const bad = [testMessage(me, locked, 'secret 1'), testMessage(me, locked, 'secret 2')];
    const result = apply([
      parsed(
        'message:sync',
        { phase: 2, messages: [good[0], bad[0], good[1], bad[1]], chatsCompleted: [readable.summary.chatId] },
        'h5:2:0',
      ),
    ]);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'undecryptable_chat', event: 'message:sync' })]);
    expect(result.problems[0]!.message).toContain(locked.summary.chatId);
    expect(store.allMessageIds()).toEqual(good.map((m) => m.messageId).sort());
    expect(store.getChat(locked.summary.chatId)?.bytes).toBe(0);
    // The position moves past the bad batch: it is reported once, not fetched forever.
    expect(store.getState('last_event_id')).toBe('h5:2:0');
  });

  it('skips a message whose envelope was damaged, or belongs to another message, and keeps the good ones', () => {
    const chat = seedChat();
    const good = testMessage(me, chat, 'good');
    const original = testMessage(me, chat, 'damaged');
    const damaged = { ...original, ciphertext: tamper(original.ciphertext) as typeof original.ciphertext };
    // A valid envelope of this chat, replayed by the server under another message id.
    const swapped = { ...testMessage(me, chat, 'swapped'), ciphertext: good.ciphertext };
    const problems: SyncProblem[] = [];
    problems.push(
      ...apply([parsed('message:sync', { phase: 1, messages: [damaged, good, swapped], chatsCompleted: [] }, 'h5:0:3')])
        .problems,
    );
    problems.push(
      ...apply([
        parsed('message:new', { message: { ...testMessage(me, chat, 'live'), ciphertext: damaged.ciphertext } }, '9'),
      ]).problems,
    );
    expect(problems.map((p) => p.code)).toEqual([
      'undecryptable_message',
      'undecryptable_message',
      'undecryptable_message',
    ]);
    expect(problems[0]!.message).toContain(damaged.messageId);
    expect(store.allMessageIds()).toEqual([good.messageId]);
    expect(store.getChat(chat.summary.chatId)?.bytes).toBe(good.ciphertext.length);
    expect(store.getState('last_event_id')).toBe('9');
  });

  it('bad events between good ones leave exactly the good ones, and replaying the run changes nothing', () => {
    const chat = seedChat();
    const locked = seedChat({ unreadable: true });
    const goods = [1, 2, 3].map((i) => testMessage(me, chat, `good ${i}`));
    const run = [
      parsed('message:new', { message: goods[0] }, '10'),
      parsed('message:new', { message: testMessage(me, locked, 'nope') }, '11'),
      parsed('message:new', { message: goods[1] }, '12'),
      parsed('message:new', { message: { ...testMessage(me, chat, 'bad'), ciphertext: goods[0]!.ciphertext } }, '13'),
      parsed('message:status', { chatId: chat.summary.chatId, messageId: goods[0]!.messageId, status: 'read' }, '14'),
      parsed('message:new', { message: goods[2] }, '15'),
    ];
    const first = apply(run);
    expect(first.problems.map((p) => p.code)).toEqual(['undecryptable_chat', 'undecryptable_message']);
    expect(first.inserted.map((m) => m.messageId)).toEqual(goods.map((m) => m.messageId));
    expect(store.getMessage(goods[0]!.chatId, goods[0]!.messageId)?.status).toBe('read');
    expect(store.getState('last_event_id')).toBe('15');
    const before = snapshot();
    const again = apply(run);
    expect(again.inserted).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it('a live message for a chat this store does not have holds the position until the chat is fetched', () => {
    const stranger = testChat(me);
    store.setState('last_event_id', '20');
    const result = apply([parsed('message:new', { message: testMessage(me, stranger, 'early') }, '21')]);
    expect(result.missingChats).toEqual([stranger.summary.chatId]);
    expect(result.problems).toEqual([]);
    expect(store.allMessageIds()).toEqual([]);
    expect(store.getState('last_event_id')).toBe('20');
  });

  it('a failure in the middle of a run rolls back the whole run, position included', () => {
    const chat = seedChat();
    store.setState('last_event_id', '30');
    const before = snapshot();
    const events = [parsed('message:new', { message: testMessage(me, chat, 'kept?') }, '31')];
    expect(() =>
      store.transaction(() => {
        applyEvents(store, me.keyring, events);
        throw new Error('crash after applying');
      }),
    ).toThrow('crash after applying');
    expect(snapshot()).toEqual(before);
  });

  it('settings: a newer version replaces the stored envelope, a replayed or older one changes nothing', () => {
    const record = (version: number, theme: 'light' | 'dark') => ({
      ciphertext: encryptUserSettings(me.masterKey, me.userId, { theme }),
      version,
      updatedByDeviceId: me.deviceId,
      updatedAt: new Date().toISOString(),
    });
    const v2 = record(2, 'dark');
    apply([parsed('settings:sync', { settings: v2 }, 'h9:11:0')]);
    apply([
      parsed('settings:sync', { settings: record(1, 'light') }, '12'),
      parsed('settings:sync', { settings: v2 }, '13'),
    ]);
    expect(storedSettings(store)).toEqual(v2);
    expect(readUserSettings(store, me.masterKey, me.userId)).toEqual({ theme: 'dark' });
    // Under someone else's key the envelope doesn't open: null, never an exception.
    expect(
      readUserSettings(store, testAccount((id, version) => store.chatKeyCopy(id, version)).masterKey, me.userId),
    ).toBeNull();
    expect(store.getState('last_event_id')).toBe('13');
  });
});

describe('key versions and chat:removed (docs/GROUPS.md)', () => {
  const reader = () => new ChatReader(store, me.keyring, me.userId, new SenderBook(EMPTY_DIRECTORY));

  it('opens each message with the key of its version; a version not stored here is skipped, never stored', () => {
    const chat = seedChat();
    const chatId = chat.summary.chatId;
    const second = generateChatKey();
    const underTwo = (text: string) => {
      const messageId = randomId();
      return testMessage(me, chat, text, {
        messageId,
        keyVersion: 2,
        ciphertext: encryptMessageBody(second, chatId, messageId, { text, senderName: 'Tester', sentAt: 1 }, 2),
      });
    };
    const early = underTwo('before the key is verified');
    let result = apply([parsed('message:new', { message: early }, '1')]);
    expect(result.inserted).toEqual([]);
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'undecryptable_chat', message: expect.stringContaining('key version 2') }),
    ]);
    expect(store.getMessage(chatId, early.messageId)).toBeNull();

    // Once verified (core/groups/key-verification.ts stores it), version 2 opens; version 1 still does.
    store.putVerifiedChatKey(chatId, 2, wrapChatKey(second, me.masterKey, chatId, me.userId, 2));
    const late = underTwo('after');
    result = apply([
      parsed('message:new', { message: testMessage(me, chat, 'version one') }, '2'),
      parsed('message:new', { message: late }, '3'),
    ]);
    expect(result.problems).toEqual([]);
    expect(store.getMessage(chatId, late.messageId)?.key_version).toBe(2);
    expect(
      reader()
        .messages(chatId)
        .map((m) => m.text)
        .sort(),
    ).toEqual(['after', 'version one']);
    // A version-2 envelope labelled version 1 (the server relabelling it) does not open.
    const relabelled = { ...underTwo('relabelled'), keyVersion: 1 };
    expect(apply([parsed('message:new', { message: relabelled }, '4')]).problems).toEqual([
      expect.objectContaining({ code: 'undecryptable_message' }),
    ]);
  });

  it('chat:removed takes the chat, its messages and keys out of the store, and says so once', () => {
    const chat = seedChat();
    const chatId = chat.summary.chatId;
    apply([parsed('message:new', { message: testMessage(me, chat, 'hello') }, '1')]);
    expect(reader().messages(chatId)).toHaveLength(1);
    expect(apply([parsed('chat:removed', { chatId }, '2')]).removedChats).toEqual([chatId]);
    expect(store.hasChat(chatId)).toBe(false);
    expect(store.chatKeyVersions(chatId)).toEqual([]);
    expect(reader().messages(chatId)).toEqual([]);
    expect(store.getState('last_event_id')).toBe('2');
    expect(apply([parsed('chat:removed', { chatId }, '3')]).removedChats).toEqual([]);
  });
});
