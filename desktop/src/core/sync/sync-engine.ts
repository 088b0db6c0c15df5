import type { SigningKeyPair } from '../../../../common/crypto';
import {
  ApiError,
  type ChatSummary,
  HELD_HISTORY_HEADER,
  type MessageRecord,
  parseEventId,
} from '../../../../common/contract';
import { type Backoff, backoffDelay } from '../../../../common/retry/backoff';
import type { ChatKeyring } from '../crypto/chat-keyring';
import { type ChatKeyVerifier, KeyVerificationDeferred, storeVerifiedKeys } from '../groups/key-verification';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import { DEFAULT_BUDGET, type StorageBudget } from '../store/storage-budget';
import { AppliedAcks } from './applied-acks';
import { applyRuns } from './apply-runs';
import { pollChanges } from './change-poller';
import { BACKOFF_JITTER, DEFAULT_BACKOFF } from './backoff';
import { describeStoreFailure } from './store-failure';
import { applyEvents, type ParsedEvent, type SyncProblem } from './event-applier';
import { type Pause, parseEventInSlices, screenHistory } from './history-slices';
import { Outbox } from './outbox';
import {
  DEFAULT_SILENCE_MS,
  openSseConnection,
  type RawEvent,
  type SseConnection,
  silenceAfterHeartbeat,
} from './sse-connection';
import { SliceMeter } from './slice-meter';
import { initialProgress, progressAfter, type SyncProgress } from './sync-progress';

export interface SyncEngineOptions {
  readonly session: DeviceSession;
  readonly store: LocalStore;
  readonly keyring: ChatKeyring;
  readonly budget?: StorageBudget;
  readonly fetch?: typeof fetch;
  /** Reconnect backoff: doubles from `initialMs` up to `maxMs`, with jitter; resets once events flow. */
  readonly backoff?: Backoff;
  /** A stream silent this long is dropped and reopened, until the server announces its heartbeat. */
  readonly silenceMs?: number;
  /** The account's signing key for the messages the outbox writes (none: they go unsigned). */
  readonly signingKey?: () => Promise<SigningKeyPair | null>;
  /**
   * Checks key copies of version >= 2 against the chats' signed membership before they are stored
   * (docs/GROUPS.md). None: such copies are never stored, and messages under them stay unreadable.
   */
  readonly keyVerifier?: () => ChatKeyVerifier | null;
  /**
   * A stream whose `connected` event hasn't come through this long after it was asked for is held back by
   * something on the way (a proxy that buffers it): the engine falls back to requests (docs/SYNC.md).
   */
  readonly streamBlockedMs?: number;
  /** While falling back: how often to ask for changes once caught up, and how long before trying the stream again. */
  readonly pollIntervalMs?: number;
  readonly streamRetryMs?: number;
  /** How long applied positions are gathered before the latest is acknowledged (`AppliedAcks`). */
  readonly ackIntervalMs?: number;
}

export const DEFAULT_STREAM_BLOCKED_MS = 15_000;
/**
 * Received events not yet applied, in characters of their data, beyond which the stream isn't read on.
 * The engine yields between slices, so the stream would otherwise keep reading while it applies, and a
 * desktop slower than its network would queue the account's history in memory. Two to three history batches:
 * enough for `applyRuns` to join what queued up.
 */
export const RECEIVED_HIGH_WATER = 4 * 1024 * 1024;
export const DEFAULT_POLL_INTERVAL_MS = 3_000;
export const DEFAULT_STREAM_RETRY_MS = 60_000;

/** One attempt at syncing: did anything flow, and was the stream held back on the way (no `connected` in time). */
interface Attempt {
  readonly flowed: boolean;
  readonly blocked: boolean;
}

type Listener<T> = (value: T) => void;

/**
 * The desktop's sync: hello (outbox) → stream (fresh phases, or the changes after the cursor) → live,
 * reconnecting with backoff and resuming from the position stored with the data. Events are applied in
 * arrival order, in the runs of `applyRuns` (one transaction each).
 */
export class SyncEngine {
  private progressValue: SyncProgress = initialProgress();
  private readonly progressListeners = new Set<Listener<SyncProgress>>();
  private readonly problemListeners = new Set<Listener<SyncProblem>>();
  private readonly messageListeners = new Set<Listener<MessageRecord[]>>();
  private readonly eventListeners = new Set<Listener<readonly ParsedEvent[]>>();
  private readonly queue: RawEvent[] = [];
  /** Characters of received events not yet applied (`RECEIVED_HIGH_WATER`), and the reads waiting for room. */
  private received = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private draining: Promise<void> = Promise.resolve();
  private connection: SseConnection | null = null;
  private stopped = true;
  private wake: (() => void) | null = null;
  /** Why the store refused this connection's events (reset per connection). */
  private storeFailure: string | null = null;
  private budget: StorageBudget;
  /** While set (ms since epoch), the stream is held back on the way: sync over requests until then. */
  private fallbackUntil: number | null = null;
  readonly outbox: Outbox;
  /** Tells the server how far this store is (the account's device list shows it). */
  private readonly acks: AppliedAcks;
  private sessionEnded = false;
  /** Chats never evicted while shown. */
  readonly protectedChats = new Set<string>();
  private readonly evictionListeners = new Set<Listener<readonly string[]>>();
  /** The sync's synchronous slices of work, timed (the bench reads them; docs/BENCHMARKS.md). */
  readonly slices = new SliceMeter();

  constructor(private readonly options: SyncEngineOptions) {
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.outbox = new Outbox(
      options.session,
      options.store,
      options.keyring,
      options.backoff ?? DEFAULT_BACKOFF,
      options.signingKey,
    );
    this.acks = new AppliedAcks(options.session, options.ackIntervalMs);
    // Every session end is final: no reconnect can succeed with these credentials again.
    options.session.onEvent((event) => {
      this.sessionEnded = true;
      this.shutDown(event.type === 'signed-out' ? 'stopped' : 'revoked');
    });
  }

  get progress(): SyncProgress {
    return this.progressValue;
  }
  onProgress(listener: Listener<SyncProgress>): () => void {
    this.progressListeners.add(listener);
    listener(this.progressValue);
    return () => this.progressListeners.delete(listener);
  }
  onProblem(listener: Listener<SyncProblem>): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }
  /** Messages newly stored (history or live), for notifications and the search index. */
  onMessages(listener: Listener<MessageRecord[]>): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Every applied run of events, in order (diagnostics, tests). */
  onEvents(listener: Listener<readonly ParsedEvent[]>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Chats the budget evicted (while syncing, or by a new budget), after their rows left the store. */
  onEvicted(listener: Listener<readonly string[]>): () => void {
    this.evictionListeners.add(listener);
    return () => this.evictionListeners.delete(listener);
  }

  setBudget(budget: StorageBudget): string[] {
    this.budget = budget;
    const evicted = this.options.store.transaction(() => this.options.store.enforceBudget(budget, this.protectedChats));
    for (const listener of this.evictionListeners) listener(evicted);
    return evicted;
  }
  getBudget(): StorageBudget {
    return this.budget;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.outbox.open();
    this.acks.open();
    void this.loop();
  }

  /** Stops syncing (the store stays). Resolves when pending events are applied. */
  async stop(): Promise<void> {
    this.shutDown('stopped');
    await this.draining;
    // What the last runs applied is acknowledged before the engine reports stopped (not after a session end).
    await this.acks.close({ flush: !this.sessionEnded });
  }

  /** Cuts the current stream (as a network failure would); the engine reconnects by itself. */
  dropConnection(): void {
    this.connection?.close();
  }

  private shutDown(connection: 'stopped' | 'revoked'): void {
    this.stopped = true;
    this.outbox.close();
    void this.acks.close({ flush: false });
    this.connection?.close();
    this.connection = null;
    this.wake?.();
    this.setProgress({ ...this.progressValue, connection });
  }

  private async loop(): Promise<void> {
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    let failures = 0;
    while (!this.stopped) {
      const attempt = await this.attempt().catch((error: unknown): Attempt => {
        this.setProgress({ ...this.progressValue, connection: 'offline', lastError: (error as Error).message });
        return { flowed: false, blocked: false };
      });
      if (attempt.blocked && !this.stopped) {
        // Not a failure of the network or the server: sync over requests at once (no backoff).
        this.fallbackUntil = Date.now() + (this.options.streamRetryMs ?? DEFAULT_STREAM_RETRY_MS);
        continue;
      }
      const flowed = attempt.flowed;
      await this.draining;
      // Events that arrived but could not be stored are no progress: back off before the next try.
      const progressed = flowed && this.storeFailure === null;
      this.storeFailure = null;
      if (this.stopped) break;
      failures = progressed ? 0 : failures + 1;
      await this.sleep(backoffDelay(failures, backoff, BACKOFF_JITTER));
    }
  }

  /**
   * The next try: the stream; or, while it is held back on the way, the changes over requests when the store
   * has a live position, and a finite stream (ended by the server once primed) when it doesn't yet.
   */
  private async attempt(): Promise<Attempt> {
    if (this.fallbackUntil === null || Date.now() >= this.fallbackUntil) {
      this.fallbackUntil = null;
      return this.connectOnce(false);
    }
    if (this.livePosition() === null) return this.connectOnce(true);
    const cursor = this.options.store.getState('cursor');
    await this.outbox.flush(cursor === null ? null : Number(cursor));
    const outcome = await pollChanges(
      this.options.session,
      {
        livePosition: () => this.livePosition(),
        apply: async (events) => {
          for (const event of events) this.received += event.data.length;
          this.queue.push(...events);
          this.draining = this.draining.then(() => this.drain()).catch((error: unknown) => this.storeFailed(error));
          await this.draining;
          return this.storeFailure === null;
        },
        advanceTo: (position) => this.options.store.setState('last_event_id', String(position)),
        onPolling: () =>
          this.setProgress({ ...this.progressValue, connection: 'connected', transport: 'polling', lastError: null }),
        onFailure: (error) =>
          this.handleDown(error instanceof ApiError ? error.status || undefined : undefined, error.message),
        stopped: () => this.stopped,
        sleep: (ms) => this.sleep(ms),
      },
      { until: this.fallbackUntil, intervalMs: this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS },
    );
    if (outcome === 'restart') this.startOver();
    return { flowed: outcome === 'ok', blocked: false };
  }

  /** The store's live position (a change seq) once its first sync is complete; null before. */
  private livePosition(): number | null {
    const { store } = this.options;
    if (!store.getState('cursor')) return null;
    const id = parseEventId(store.getState('last_event_id'));
    return id.kind === 'live' ? id.seq : null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (this.wake = null));
  }

  /**
   * One connection: hello with the outbox, then the stream until it drops. `finite`: the server ends it once
   * the store is primed (a first sync behind a buffering proxy). Resolves whether events flowed, and whether
   * the stream was held back on the way.
   */
  private async connectOnce(finite: boolean): Promise<Attempt> {
    const { session, store } = this.options;
    this.setProgress({ ...this.progressValue, connection: 'connecting' });
    const cursor = store.getState('cursor');
    await this.outbox.flush(cursor === null ? null : Number(cursor));
    let flowed = false;
    let connected = false;
    let blocked = false;
    let blockedTimer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      const url = `${session.serverUrl}/sse/connect?chats=${this.budget.maxChats}${finite ? '&until=primed' : ''}`;
      if (!finite) {
        blockedTimer = setTimeout(() => {
          if (connected) return;
          blocked = true;
          this.connection?.close();
        }, this.options.streamBlockedMs ?? DEFAULT_STREAM_BLOCKED_MS);
        blockedTimer.unref();
      }
      this.connection = openSseConnection(
        url,
        () => {
          const lastEventId = store.getState('last_event_id');
          const held = store.getState('held_history');
          return {
            authorization: `Bearer ${session.accessToken}`,
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
            ...(held ? { [HELD_HISTORY_HEADER]: held } : {}),
          };
        },
        {
          onOpen: () =>
            this.setProgress({ ...this.progressValue, connection: 'connected', transport: 'stream', lastError: null }),
          backlog: () => this.backlog(),
          onEvent: (event) => {
            flowed = true;
            if (event.name === 'connected') connected = true;
            this.received += event.data.length;
            this.queue.push(event);
            // A chain that stays usable after a failed write (a rejected link would skip every later drain).
            this.draining = this.draining.then(() => this.drain()).catch((error: unknown) => this.storeFailed(error));
          },
          onDown: ({ status, message }) => {
            this.connection = null;
            clearTimeout(blockedTimer);
            if (blocked) {
              resolve(); // held back on the way: not a failure of the network or the server
              return;
            }
            // A finite stream that ended once its events made the store primed ended as it should.
            void this.draining
              .then(() =>
                finite && status === undefined && this.livePosition() !== null
                  ? undefined
                  : this.handleDown(status, message),
              )
              .finally(resolve);
          },
        },
        this.options.fetch,
        { silenceMs: this.options.silenceMs ?? DEFAULT_SILENCE_MS, slices: this.slices },
      );
    });
    return { flowed, blocked };
  }

  /**
   * The store refused a write (disk full, read-only file): nothing of the failed run is kept (one transaction
   * each), so drop what is queued and the connection; the reconnect resumes from the stored position.
   */
  private storeFailed(error: unknown): void {
    this.release(this.queue.splice(0));
    this.storeFailure = error instanceof KeyVerificationDeferred ? error.message : describeStoreFailure(error);
    this.setProgress({ ...this.progressValue, lastError: this.storeFailure });
    this.connection?.close();
  }

  private async handleDown(status: number | undefined, message: string): Promise<void> {
    if (this.stopped) return;
    const lastError = this.storeFailure ?? (status ? `server answered ${status}` : message);
    this.setProgress({ ...this.progressValue, connection: 'offline', lastError });
    // 401: the access token expired; 403: probably unlinked — a plain API call refreshes, or wipes.
    if (status === 401 || status === 403) {
      try {
        await this.options.session.call('me', {});
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 0)
          this.setProgress({ ...this.progressValue, lastError: (error as Error).message });
      }
    }
  }

  /**
   * A turn of the event loop between slices of the sync's work: this runs on Electron's main process, where
   * every slice delays IPC answers and window events (docs/BENCHMARKS.md, "The sync on the main thread").
   */
  private readonly pause: Pause = async () => {
    this.slices.end();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.slices.begin();
  };

  /** Awaits something that isn't the sync's own work (a request, a key check): not part of any slice. */
  private async outside<T>(work: Promise<T>): Promise<T> {
    this.slices.end();
    try {
      return await work;
    } finally {
      this.slices.begin();
    }
  }

  /** A promise while too much is received and not yet applied; resolved as soon as there is room. */
  private backlog(): Promise<void> | undefined {
    if (this.received < RECEIVED_HIGH_WATER) return undefined;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  private release(events: readonly RawEvent[]): void {
    for (const event of events) this.received -= event.data.length;
    if (this.received < RECEIVED_HIGH_WATER) for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private async drain(): Promise<void> {
    // Never in the turn that received the events (the stream's read): each event is parsed in a turn of its
    // own, a history batch in slices, then applied in runs (`applyRuns`).
    await this.pause();
    const raw = this.queue.splice(0);
    try {
      if (raw.length === 0 || this.stopped) return;
      const parsed: ParsedEvent[] = [];
      for (const event of raw) {
        const result = await parseEventInSlices(event, this.pause);
        if (result.ok) parsed.push(result.event);
        else this.report(result.problem);
        if (result.ok && result.event.name === 'connected' && result.event.payload.heartbeatMs) {
          this.connection?.setSilenceMs(silenceAfterHeartbeat(result.event.payload.heartbeatMs));
        }
      }
      for (const run of applyRuns(parsed)) await this.applyRun(run);
    } finally {
      this.slices.end();
      this.release(raw);
    }
  }

  private async applyRun(events: ParsedEvent[]): Promise<void> {
    if (events.length === 0 || this.stopped) return;
    const { store, keyring, session } = this.options;
    const announced = events.flatMap((e): ChatSummary[] =>
      e.name === 'sync:initial' ? e.payload.chats : e.name === 'chat:update' ? [e.payload.chat] : [],
    );
    const verified = await this.outside(this.verifyKeys(announced, events[0]!.name));
    // History: envelopes opened in slices first, so the transaction (its own turn) holds only the inserts.
    const history = events[0]!.name === 'message:sync';
    const screened = history ? await screenHistory(store, keyring, events, this.pause) : undefined;
    if (history) await this.pause();
    if (this.stopped) return;
    let result = store.transaction(() => {
      storeVerifiedKeys(store, verified.keys);
      return applyEvents(store, keyring, events, screened);
    });
    for (const problem of verified.problems) this.report(problem);
    if (result.missingChats.length > 0) {
      const fetched: ChatSummary[] = [];
      for (const chatId of result.missingChats) {
        const chat = await this.outside(session.call('getChat', { params: { chatId } }).catch(() => null));
        if (chat) fetched.push(chat);
      }
      const more = await this.outside(this.verifyKeys(fetched, 'message:new'));
      for (const problem of more.problems) this.report(problem);
      store.transaction(() => {
        store.upsertChats(fetched);
        storeVerifiedKeys(store, more.keys);
      });
      result = store.transaction(() => applyEvents(store, keyring, events));
      for (const chatId of result.missingChats)
        this.report({
          code: 'undecryptable_chat',
          event: 'message:new',
          message: `skipped a message of unknown chat ${chatId}`,
        });
    }
    for (const problem of result.problems) this.report(problem);
    for (const chatId of result.removedChats) {
      keyring.forget(chatId);
      this.protectedChats.delete(chatId);
    }
    for (const event of events) this.track(event);
    for (const listener of this.eventListeners) listener(events);
    const evicted = store.transaction(() => store.enforceBudget(this.budget, this.protectedChats));
    for (const chatId of evicted) keyring.forget(chatId);
    if (evicted.length > 0) for (const listener of this.evictionListeners) listener(evicted);
    this.acks.applied(store.getState('last_event_id'));
    if (result.inserted.length > 0) {
      for (const listener of this.messageListeners) listener(result.inserted);
      this.acknowledge(result.inserted, events);
    }
    if (events.some((e) => e.name === 'device:revoked' && e.payload.deviceId === session.deviceId)) {
      await this.outside(session.call('me', {}).catch(() => undefined));
    }
  }

  private async verifyKeys(chats: readonly ChatSummary[], event: string) {
    const verifier = this.options.keyVerifier?.() ?? null;
    if (!verifier || chats.length === 0) return { keys: [], problems: [] };
    return verifier.verify(chats, event);
  }

  /** Delivered receipts for live messages from others: the sender's ticks move on. */
  private acknowledge(inserted: MessageRecord[], events: ParsedEvent[]): void {
    if (!events.some((e) => e.name === 'message:new')) return;
    const byChat = new Map<string, string[]>();
    for (const m of inserted) {
      if (m.senderUserId === this.options.session.userId || m.status !== 'sent') continue;
      byChat.set(m.chatId, [...(byChat.get(m.chatId) ?? []), m.messageId]);
    }
    for (const [chatId, messageIds] of byChat) {
      void this.options.session
        .call('markMessages', {
          params: { chatId },
          body: { messageIds: messageIds.slice(0, 100), status: 'delivered' },
        })
        .catch(() => undefined);
    }
  }

  private track(event: ParsedEvent): void {
    if (event.name === 'sync:error' && event.payload.code === 'cursor_ahead') this.startOver();
    this.setProgress(progressAfter(this.progressValue, event, Date.now()));
  }

  /** Our position is unusable on this server: start over with a fresh sync. */
  private startOver(): void {
    this.options.store.transaction(() => {
      this.options.store.setState('last_event_id', '');
      this.options.store.setState('cursor', '');
    });
  }

  private report(problem: SyncProblem): void {
    for (const listener of this.problemListeners) listener(problem);
  }

  private setProgress(progress: SyncProgress): void {
    this.progressValue = progress;
    for (const listener of this.progressListeners) listener(progress);
  }
}
