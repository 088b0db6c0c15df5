import type { SigningKeyPair } from '../../../../common/crypto';
import { ApiError, HELD_HISTORY_HEADER, type MessageRecord } from '../../../../common/contract';
import { type Backoff, backoffDelay } from '../../../../common/retry/backoff';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import { DEFAULT_BUDGET, type StorageBudget } from '../store/storage-budget';
import { applyRuns } from './apply-runs';
import { BACKOFF_JITTER, DEFAULT_BACKOFF } from './backoff';
import { describeStoreFailure } from './store-failure';
import { applyEvents, type ParsedEvent, parseEvent, type SyncProblem } from './event-applier';
import { Outbox } from './outbox';
import {
  DEFAULT_SILENCE_MS,
  openSseConnection,
  type RawEvent,
  type SseConnection,
  silenceAfterHeartbeat,
} from './sse-connection';
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
  private draining: Promise<void> = Promise.resolve();
  private connection: SseConnection | null = null;
  private stopped = true;
  private wake: (() => void) | null = null;
  /** Why the store refused this connection's events (reset per connection). */
  private storeFailure: string | null = null;
  private budget: StorageBudget;
  readonly outbox: Outbox;
  /** Chats never evicted while shown. */
  readonly protectedChats = new Set<string>();

  constructor(private readonly options: SyncEngineOptions) {
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.outbox = new Outbox(
      options.session,
      options.store,
      options.keyring,
      options.backoff ?? DEFAULT_BACKOFF,
      options.signingKey,
    );
    // Every session end is final: no reconnect can succeed with these credentials again.
    options.session.onEvent((event) => this.shutDown(event.type === 'signed-out' ? 'stopped' : 'revoked'));
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

  setBudget(budget: StorageBudget): string[] {
    this.budget = budget;
    return this.options.store.transaction(() => this.options.store.enforceBudget(budget, this.protectedChats));
  }
  getBudget(): StorageBudget {
    return this.budget;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.outbox.open();
    void this.loop();
  }

  /** Stops syncing (the store stays). Resolves when pending events are applied. */
  async stop(): Promise<void> {
    this.shutDown('stopped');
    await this.draining;
  }

  /** Cuts the current stream (as a network failure would); the engine reconnects by itself. */
  dropConnection(): void {
    this.connection?.close();
  }

  private shutDown(connection: 'stopped' | 'revoked'): void {
    this.stopped = true;
    this.outbox.close();
    this.connection?.close();
    this.connection = null;
    this.wake?.();
    this.setProgress({ ...this.progressValue, connection });
  }

  private async loop(): Promise<void> {
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    let failures = 0;
    while (!this.stopped) {
      const flowed = await this.connectOnce().catch((error: unknown) => {
        this.setProgress({ ...this.progressValue, connection: 'offline', lastError: (error as Error).message });
        return false;
      });
      await this.draining;
      // Events that arrived but could not be stored are no progress: back off before the next try.
      const progressed = flowed && this.storeFailure === null;
      this.storeFailure = null;
      if (this.stopped) break;
      failures = progressed ? 0 : failures + 1;
      const delay = backoffDelay(failures, backoff, BACKOFF_JITTER);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One connection: hello with the outbox, then the stream until it drops. Resolves whether events flowed. */
  private async connectOnce(): Promise<boolean> {
    const { session, store } = this.options;
    this.setProgress({ ...this.progressValue, connection: 'connecting' });
    const cursor = store.getState('cursor');
    await this.outbox.flush(cursor === null ? null : Number(cursor));
    let flowed = false;
    await new Promise<void>((resolve) => {
      const url = `${session.serverUrl}/sse/connect?chats=${this.budget.maxChats}`;
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
          onOpen: () => this.setProgress({ ...this.progressValue, connection: 'connected', lastError: null }),
          onEvent: (event) => {
            flowed = true;
            this.queue.push(event);
            // A chain that stays usable after a failed write (a rejected link would skip every later drain).
            this.draining = this.draining.then(() => this.drain()).catch((error: unknown) => this.storeFailed(error));
          },
          onDown: ({ status, message }) => {
            this.connection = null;
            void this.handleDown(status, message).finally(resolve);
          },
        },
        this.options.fetch,
        { silenceMs: this.options.silenceMs ?? DEFAULT_SILENCE_MS },
      );
    });
    return flowed;
  }

  /**
   * The store refused a write (disk full, read-only file): nothing of the failed run is kept (one transaction
   * each), so drop what is queued and the connection; the reconnect resumes from the stored position.
   */
  private storeFailed(error: unknown): void {
    this.queue.splice(0);
    this.storeFailure = describeStoreFailure(error);
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

  private async drain(): Promise<void> {
    const raw = this.queue.splice(0);
    if (raw.length === 0 || this.stopped) return;
    const parsed: ParsedEvent[] = [];
    for (const event of raw) {
      const result = parseEvent(event);
      if (result.ok) parsed.push(result.event);
      else this.report(result.problem);
      if (result.ok && result.event.name === 'connected' && result.event.payload.heartbeatMs) {
        this.connection?.setSilenceMs(silenceAfterHeartbeat(result.event.payload.heartbeatMs));
      }
    }
    for (const run of applyRuns(parsed)) await this.applyRun(run);
  }

  private async applyRun(events: ParsedEvent[]): Promise<void> {
    if (events.length === 0 || this.stopped) return;
    const { store, keyring, session } = this.options;
    let result = store.transaction(() => applyEvents(store, keyring, events));
    if (result.missingChats.length > 0) {
      for (const chatId of result.missingChats) {
        const chat = await session.call('getChat', { params: { chatId } }).catch(() => null);
        if (chat) store.transaction(() => store.upsertChats([chat]));
      }
      result = store.transaction(() => applyEvents(store, keyring, events));
      for (const chatId of result.missingChats)
        this.report({
          code: 'undecryptable_chat',
          event: 'message:new',
          message: `skipped a message of unknown chat ${chatId}`,
        });
    }
    for (const problem of result.problems) this.report(problem);
    for (const event of events) this.track(event);
    for (const listener of this.eventListeners) listener(events);
    const evicted = store.transaction(() => store.enforceBudget(this.budget, this.protectedChats));
    for (const chatId of evicted) keyring.forget(chatId);
    if (result.inserted.length > 0) {
      for (const listener of this.messageListeners) listener(result.inserted);
      this.acknowledge(result.inserted, events);
    }
    if (events.some((e) => e.name === 'device:revoked' && e.payload.deviceId === session.deviceId)) {
      await session.call('me', {}).catch(() => undefined);
    }
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
    if (event.name === 'sync:error' && event.payload.code === 'cursor_ahead') {
      // Our position is unusable on this server: start over with a fresh sync.
      this.options.store.transaction(() => {
        this.options.store.setState('last_event_id', '');
        this.options.store.setState('cursor', '');
      });
    }
    this.setProgress(progressAfter(this.progressValue, event, Date.now()));
  }

  private report(problem: SyncProblem): void {
    for (const listener of this.problemListeners) listener(problem);
  }

  private setProgress(progress: SyncProgress): void {
    this.progressValue = progress;
    for (const listener of this.progressListeners) listener(progress);
  }
}
