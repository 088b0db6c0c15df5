import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SyncEventName, SyncEventPayload } from '../../../../common/contract';
import { initCrypto } from '../../../../common/crypto';
import { MemoryKeyVault } from '../keys/memory-key-vault';
import { saveCredentials } from '../session/credentials';
import { DeviceSession } from '../session/device-session';
import { LocalStore } from '../store/local-store';
import { ChatReader } from '../view/chat-reader';
import type { SyncProblem } from './event-applier';
import { SyncEngine } from './sync-engine';
import { tamper, type TestAccount, testAccount, testChat, testMessage } from '../../../test/support/sync-fixtures';
import { SenderBook } from '../../../../common/trust/message-author';
import { EMPTY_DIRECTORY } from '../../../../common/trust/sender-keys';

/**
 * The engine against a tiny real SSE server on 127.0.0.1 that plays a scripted stream: the real
 * stream client (fetch + `sse-framing.ts`), the real store and real envelopes — only the server is a script, so it can
 * send what our server never would.
 */
type Frame = string;
const frame = <N extends SyncEventName>(name: N, payload: SyncEventPayload<N>, id?: string): Frame =>
  `${id ? `id: ${id}\n` : ''}event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
const rawFrame = (name: string, data: string, id?: string): Frame =>
  `${id ? `id: ${id}\n` : ''}event: ${name}\ndata: ${data}\n\n`;

interface ScriptServer {
  readonly url: string;
  readonly requests: Array<{ authorization: string | undefined; lastEventId: string | undefined }>;
  /** Writes frames to every open stream. */
  push(...frames: Frame[]): void;
  close(): Promise<void>;
}

async function scriptServer(opening: Frame[]): Promise<ScriptServer> {
  const streams = new Set<http.ServerResponse>();
  const requests: ScriptServer['requests'] = [];
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith('/sse/connect')) {
      res.writeHead(404).end();
      return;
    }
    requests.push({
      authorization: req.headers.authorization,
      lastEventId: req.headers['last-event-id'] as string | undefined,
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    streams.add(res);
    res.on('close', () => streams.delete(res));
    // The opening script is played once; a reconnect gets an empty (but open) stream.
    if (requests.length === 1) res.write(opening.join(''));
    else res.write(': hello again\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    push: (...frames) => {
      for (const res of streams) res.write(frames.join(''));
    },
    close: async () => {
      for (const res of streams) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function sessionFor(me: TestAccount, serverUrl: string): Promise<DeviceSession> {
  const vault = new MemoryKeyVault();
  await vault.set('master-key', me.masterKey);
  const later = new Date(Date.now() + 3600_000).toISOString();
  await saveCredentials(vault, {
    serverUrl,
    userId: me.userId,
    username: 'tester',
    deviceId: me.deviceId,
    accessToken: 'access-token-for-test',
    refreshToken: 'refresh-token-for-test',
    accessExpiresAt: later,
    refreshExpiresAt: later,
  });
  return (await DeviceSession.restore(vault))!;
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SyncEngine against a scripted SSE server', () => {
  let dir: string;
  let store: LocalStore;
  let server: ScriptServer;
  let engine: SyncEngine;

  beforeAll(() => initCrypto());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-engine-'));
    store = LocalStore.open(path.join(dir, 'local.db'));
  });
  afterEach(async () => {
    await engine?.stop();
    await server?.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports each bad event once, skips it, and still lands every good event around it', async () => {
    const me = testAccount((id, version) => store.chatKeyCopy(id, version));
    const chat = testChat(me, { title: 'Readable' });
    const locked = testChat(me, { title: 'Locked', unreadable: true });
    const chatId = chat.summary.chatId;
    const good = [1, 2, 3, 4].map((i) => testMessage(me, chat, `good ${i}`));
    const forged = testMessage(me, chat, 'forged');
    const stats = { chats: 1, messages: 2, bytes: 0 };
    const plan = { phase1: [chatId], phase2: [locked.summary.chatId], phase3: [] };

    server = await scriptServer([
      frame('connected', { deviceId: me.deviceId, serverTime: new Date().toISOString(), mode: 'fresh', cursor: 40 }),
      frame(
        'sync:initial',
        {
          snapshotSeq: 40,
          lastOpenedChatId: chatId,
          chats: [chat.summary, locked.summary],
          plan,
          totals: { chats: 2, messages: 6, bytes: 0, chatsOnServer: 2 },
        },
        'h40:0:0',
      ),
      frame('message:sync', { phase: 1, messages: [good[0]!], chatsCompleted: [] }, 'h40:0:1'),
      rawFrame('message:sync', '{"phase":1,"messages":[{"messageId"', 'h40:0:1'),
      rawFrame('message:teleport', '{"anything":true}'),
      rawFrame('message:sync', JSON.stringify({ phase: '1', messages: [good[1]], chatsCompleted: [] }), 'h40:0:1'),
      frame(
        'message:sync',
        {
          phase: 1,
          messages: [{ ...forged, ciphertext: tamper(forged.ciphertext) as typeof forged.ciphertext }, good[1]!],
          chatsCompleted: [chatId],
        },
        'h40:1:0',
      ),
      frame('phase_1_last_chat_ready', stats, 'h40:1:0'),
      frame(
        'message:sync',
        {
          phase: 2,
          messages: [testMessage(me, locked, 'locked 1'), testMessage(me, locked, 'locked 2')],
          chatsCompleted: [locked.summary.chatId],
        },
        'h40:2:0',
      ),
      frame('phase_2_last_10_chats_ready', stats, 'h40:2:0'),
      frame('phase_3_last_100_chats_ready', { chats: 0, messages: 0, bytes: 0 }, 'h40:2:0'),
      frame('cache_primed', { cursor: 40 }, '40'),
    ]);
    const session = await sessionFor(me, server.url);
    engine = new SyncEngine({ session, store, keyring: me.keyring, backoff: { initialMs: 20, maxMs: 100 } });
    const problems: SyncProblem[] = [];
    engine.onProblem((p) => problems.push(p));
    engine.start();

    await until(() => engine.progress.primed, 10_000, 'cache_primed');
    // Live: a good message, a live one with wrong types, then another good one.
    server.push(
      frame('message:new', { message: good[2]! }, '41'),
      rawFrame('message:new', JSON.stringify({ message: { ...good[3], status: 'teleported' } }), '42'),
      frame('message:new', { message: good[3]! }, '43'),
    );
    await until(() => store.getState('last_event_id') === '43', 10_000, 'the live events');

    expect(problems.map((p) => p.code).sort()).toEqual(
      [
        'invalid_payload',
        'invalid_payload',
        'malformed_json',
        'undecryptable_chat',
        'undecryptable_message',
        'unknown_event',
      ].sort(),
    );
    expect(problems.find((p) => p.code === 'unknown_event')?.event).toBe('message:teleport');
    expect(store.allMessageIds()).toEqual(good.map((m) => m.messageId).sort());
    expect(
      new ChatReader(store, me.keyring, me.userId, new SenderBook(EMPTY_DIRECTORY)).messages(chatId).map((m) => m.text),
    ).toEqual(['good 1', 'good 2', 'good 3', 'good 4']);
    expect(store.getChat(locked.summary.chatId)?.bytes).toBe(0);
    expect(store.getState('cursor')).toBe('40');
    const progress = engine.progress;
    expect([progress.phases[1].state, progress.phases[2].state, progress.phases[3].state]).toEqual([
      'done',
      'done',
      'done',
    ]);
    // One connection was enough: bad events never tear the stream down.
    expect(server.requests).toEqual([{ authorization: 'Bearer access-token-for-test', lastEventId: undefined }]);
  });

  it('a sync:error from the server is shown as the last error and the stream carries on', async () => {
    const me = testAccount((id, version) => store.chatKeyCopy(id, version));
    const chat = testChat(me);
    const m = testMessage(me, chat, 'after the error');
    server = await scriptServer([
      frame('connected', { deviceId: me.deviceId, serverTime: new Date().toISOString(), mode: 'live', cursor: 5 }),
      frame('chat:update', { chat: chat.summary }, '6'),
      frame('sync:error', { code: 'slow_down', message: 'the server is busy', retryable: true }),
      frame('message:new', { message: m }, '7'),
    ]);
    store.setState('last_event_id', '5');
    engine = new SyncEngine({
      session: await sessionFor(me, server.url),
      store,
      keyring: me.keyring,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    engine.start();
    await until(() => store.getState('last_event_id') === '7', 10_000, 'the message after the error');
    expect(engine.progress.lastError).toBe('the server is busy');
    expect(store.allMessageIds()).toEqual([m.messageId]);
    expect(server.requests[0]?.lastEventId).toBe('5');
  });

  it('marks the last opened chat readable at its first phase-1 batch, while the rest of its history is still on the way', async () => {
    const me = testAccount((id, version) => store.chatKeyCopy(id, version));
    const chat = testChat(me, { title: 'Left open' });
    const chatId = chat.summary.chatId;
    const [older, newest] = [testMessage(me, chat, 'older'), testMessage(me, chat, 'newest')];
    const plan = { phase1: [chatId], phase2: [], phase3: [] };
    server = await scriptServer([
      frame('connected', { deviceId: me.deviceId, serverTime: new Date().toISOString(), mode: 'fresh', cursor: 9 }),
      frame(
        'sync:initial',
        {
          snapshotSeq: 9,
          lastOpenedChatId: chatId,
          chats: [chat.summary],
          plan,
          totals: { chats: 1, messages: 2, bytes: 0, chatsOnServer: 1 },
        },
        'h9:0:0',
      ),
      frame('message:sync', { phase: 1, messages: [newest], chatsCompleted: [] }, 'h9:0:1'),
    ]);
    engine = new SyncEngine({
      session: await sessionFor(me, server.url),
      store,
      keyring: me.keyring,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    engine.start();
    await until(() => engine.progress.lastChatReadyAt !== null, 10_000, 'the first screen');
    expect(engine.progress.phases[1].state).toBe('running');
    expect(
      new ChatReader(store, me.keyring, me.userId, new SenderBook(EMPTY_DIRECTORY)).messages(chatId).map((m) => m.text),
    ).toEqual(['newest']);
    const readyAt = engine.progress.lastChatReadyAt;

    server.push(
      frame('message:sync', { phase: 1, messages: [older], chatsCompleted: [chatId] }, 'h9:1:0'),
      frame('phase_1_last_chat_ready', { chats: 1, messages: 2, bytes: 0 }, 'h9:1:0'),
    );
    await until(() => engine.progress.phases[1].state === 'done', 10_000, 'phase 1');
    expect(engine.progress.lastChatReadyAt).toBe(readyAt);
    expect(engine.progress.phases[1].doneAt).toBeGreaterThanOrEqual(readyAt!);
  });

  it('applies a batch larger than a slice in turns of the event loop: timers run in between, and it lands whole, once', async () => {
    const me = testAccount((id, version) => store.chatKeyCopy(id, version));
    const chat = testChat(me);
    const chatId = chat.summary.chatId;
    const history = Array.from({ length: 1_200 }, (_, i) => testMessage(me, chat, `history ${i}`));
    const plan = { phase1: [], phase2: [chatId], phase3: [] };
    server = await scriptServer([
      frame('connected', { deviceId: me.deviceId, serverTime: new Date().toISOString(), mode: 'fresh', cursor: 3 }),
      frame(
        'sync:initial',
        {
          snapshotSeq: 3,
          lastOpenedChatId: null,
          chats: [chat.summary],
          plan,
          totals: { chats: 1, messages: history.length, bytes: 0, chatsOnServer: 1 },
        },
        'h3:0:0',
      ),
    ]);
    engine = new SyncEngine({
      session: await sessionFor(me, server.url),
      store,
      keyring: me.keyring,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    const stored: string[] = [];
    engine.onMessages((records) => stored.push(...records.map((r) => r.messageId)));
    engine.start();
    await until(() => store.getState('last_event_id') === 'h3:0:0', 10_000, 'the manifest');
    engine.slices.reset();
    // Timers that come due while the batch is handled: with one synchronous block they would all wait for its end.
    let ticks = 0;
    let ticksBeforeStored: number | null = null;
    const ticker = setInterval(() => (ticks += 1), 0);
    engine.onEvents((events) => {
      if (events.some((e) => e.name === 'message:sync')) ticksBeforeStored = ticks;
    });
    server.push(frame('message:sync', { phase: 2, messages: history, chatsCompleted: [chatId] }, 'h3:1:0'));
    await until(() => store.getState('last_event_id') === 'h3:1:0', 20_000, 'the batch');
    clearInterval(ticker);
    // 1,200 messages: 5 slices of validation, 5 of envelope checks, the transaction, the framing.
    expect(engine.slices.summary().count).toBeGreaterThanOrEqual(11);
    expect(ticksBeforeStored).toBeGreaterThanOrEqual(2);
    expect(stored).toHaveLength(history.length);
    expect(store.allMessageIds()).toEqual(history.map((m) => m.messageId).sort());
    expect(store.getChat(chatId)?.history_complete).toBe(1);
  });

  describe('and a stream that goes silent', () => {
    const opening = (me: TestAccount) => [
      frame('connected', {
        deviceId: me.deviceId,
        serverTime: new Date().toISOString(),
        mode: 'live',
        cursor: 5,
        heartbeatMs: 100,
      }),
    ];

    it('drops a stream that stays silent for three announced heartbeats, and reconnects from the stored position', async () => {
      const me = testAccount((id, version) => store.chatKeyCopy(id, version));
      store.setState('last_event_id', '5');
      // The server announces a 100 ms heartbeat, then sends nothing while keeping the socket open (half-open).
      server = await scriptServer(opening(me));
      engine = new SyncEngine({
        session: await sessionFor(me, server.url),
        store,
        keyring: me.keyring,
        backoff: { initialMs: 20, maxMs: 100 },
      });
      const errors: string[] = [];
      engine.onProgress((p) => {
        if (p.lastError) errors.push(p.lastError);
      });
      engine.start();
      await until(() => server.requests.length >= 2, 10_000, 'a reconnect after the silence');
      expect(errors).toContain('the sync stream was silent for 1 s');
      expect(server.requests[1]!.lastEventId).toBe('5');
    });

    it('keeps a stream whose only traffic is heartbeats', async () => {
      const me = testAccount((id, version) => store.chatKeyCopy(id, version));
      store.setState('last_event_id', '5');
      server = await scriptServer(opening(me));
      engine = new SyncEngine({
        session: await sessionFor(me, server.url),
        store,
        keyring: me.keyring,
        backoff: { initialMs: 20, maxMs: 100 },
      });
      engine.start();
      await until(() => engine.progress.connection === 'connected', 10_000, 'the stream');
      // Heartbeat comments every 100 ms for 3 s: more than twice the silence limit (1.3 s) in all.
      for (let i = 0; i < 30; i++) {
        server.push(': heartbeat\n\n');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(server.requests).toHaveLength(1);
      expect(engine.progress.connection).toBe('connected');
    });
  });
});
