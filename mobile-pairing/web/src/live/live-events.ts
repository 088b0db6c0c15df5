import {
  type ContactsRecord,
  type MessageEditRecord,
  type SettingsRecord,
  type SyncEventName,
  type SyncEventPayload,
  SyncEvents,
} from '../../../../common/contract';
import { backoffDelay } from '../../../../common/retry/backoff';

/** What a live event means to the phone app: which of its views to re-read. */
export type LiveChange =
  | { readonly kind: 'messages'; readonly chatId: string }
  /** A message edited, deleted for everyone, or hidden by this user on another device (docs/MESSAGES.md). */
  | { readonly kind: 'message-action'; readonly action: MessageAction }
  | { readonly kind: 'chats'; readonly chatId: string }
  | { readonly kind: 'drafts'; readonly chatId: string }
  | { readonly kind: 'linked'; readonly deviceId: string }
  | { readonly kind: 'revoked'; readonly deviceId: string }
  /** The user's contact book (pinned keys) changed on another device. */
  | { readonly kind: 'contacts'; readonly record: ContactsRecord }
  /** The user's synced settings (chat prefs among them) changed on another device. */
  | { readonly kind: 'settings'; readonly record: SettingsRecord };

export type MessageAction =
  | { readonly type: 'edited'; readonly chatId: string; readonly messageId: string; readonly edit: MessageEditRecord }
  | { readonly type: 'deleted'; readonly chatId: string; readonly messageId: string; readonly deletedAt: string }
  | { readonly type: 'hidden'; readonly chatId: string; readonly messageId: string };

export interface LiveEventsOptions {
  /** The server's origin (the API client's base URL). */
  readonly baseUrl: string;
  /** A fresh one-time ticket from `POST /sse/ticket` (the API client's call: it refreshes tokens itself). */
  ticket(): Promise<string>;
  onChange(change: LiveChange): void;
  /** True once the server confirmed the stream (`connected`), false whenever it is down. */
  onStatus(connected: boolean): void;
  /** Reconnect delays: the first, doubled on each failure up to the max (with jitter). */
  readonly retry?: { readonly firstMs: number; readonly maxMs: number };
}

const LISTENED = [
  'message:new',
  'message:status',
  'message:edited',
  'message:deleted',
  'message:hidden',
  'chat:update',
  'chat:removed',
  'settings:sync',
  'draft:update',
  'contacts:sync',
  'device:linked',
  'device:revoked',
] as const;

/**
 * The phone's live events over the sync stream, in a browser. `EventSource` can't send the
 * Authorization header, and the access token must never be in a URL, so every connection takes a new
 * one-time ticket (`GET /sse/connect?ticket=…`). The phone stores no history: the first connection is
 * live-only (`from=now`) and a reconnect asks for the changes after the last seq it saw (`since=<seq>`),
 * so a cut loses nothing.
 *
 * The browser's own automatic reconnect can't work here (it would resend the spent ticket and get 401,
 * which stops EventSource for good), so every error closes the source and this class reconnects with a
 * new ticket after a backoff. The page decides when it runs (`start`/`stop`: only while visible).
 */
export class LiveEvents {
  private source: EventSource | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSeq: number | null = null;
  private running = false;
  /** Bumped by every open and stop: an answer for an older attempt is dropped. */
  private attempt = 0;
  /** Failed connections since the last confirmed one: the backoff's exponent. */
  private failures = 0;
  private connected = false;

  constructor(private readonly options: LiveEventsOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    void this.open();
  }

  stop(): void {
    this.running = false;
    this.attempt++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
    this.setConnected(false);
  }

  private async open(): Promise<void> {
    const attempt = ++this.attempt;
    let ticket: string;
    try {
      ticket = await this.options.ticket();
    } catch {
      // Offline, or the server is down (an unlinked phone is signed out by the API client itself).
      if (attempt === this.attempt && this.running) this.retryLater();
      return;
    }
    if (attempt !== this.attempt || !this.running) return;
    const position = this.lastSeq === null ? 'from=now' : `since=${this.lastSeq}`;
    const source = new EventSource(
      `${this.options.baseUrl}/sse/connect?ticket=${encodeURIComponent(ticket)}&${position}`,
    );
    this.source = source;
    source.addEventListener('connected', (event) => {
      const payload = parse('connected', event);
      if (!payload) return;
      this.lastSeq ??= payload.cursor;
      this.failures = 0;
      this.setConnected(true);
    });
    for (const name of LISTENED) source.addEventListener(name, (event) => this.handle(name, event));
    source.addEventListener('sync:error', (event) => {
      // cursor_ahead: the server knows fewer changes than this page saw (a restored database); cursor_expired:
      // the changes after it are older than the server keeps (CHANGE_LOG_RETENTION_DAYS). Either way: from now.
      const code = parse('sync:error', event)?.code;
      if (code === 'cursor_ahead' || code === 'cursor_expired') this.lastSeq = null;
      this.drop(source);
    });
    source.onerror = () => this.drop(source);
  }

  private handle(name: (typeof LISTENED)[number], event: Event): void {
    const seq = Number((event as MessageEvent).lastEventId);
    if (Number.isSafeInteger(seq) && seq > 0) this.lastSeq = Math.max(this.lastSeq ?? 0, seq);
    const change = toChange(name, event);
    if (change) this.options.onChange(change);
  }

  private drop(source: EventSource): void {
    if (source !== this.source) return;
    source.close();
    this.source = null;
    this.setConnected(false);
    if (this.running) this.retryLater();
  }

  private retryLater(): void {
    this.failures++;
    const delay = backoffDelay(
      this.failures,
      { initialMs: this.options.retry?.firstMs ?? 1_000, maxMs: this.options.retry?.maxMs ?? 30_000 },
      0.25,
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.open();
    }, delay);
  }

  private setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    this.options.onStatus(connected);
  }
}

/** The event's payload checked against the contract; anything else is ignored (and said in the console). */
function parse<N extends SyncEventName>(name: N, event: Event): SyncEventPayload<N> | null {
  try {
    const result = SyncEvents[name].safeParse(JSON.parse((event as MessageEvent<string>).data));
    if (result.success) return result.data as SyncEventPayload<N>;
    console.warn(`live event ${name} does not match the contract`, result.error.issues[0]);
  } catch {
    console.warn(`live event ${name} is not JSON`);
  }
  return null;
}

function toChange(name: (typeof LISTENED)[number], event: Event): LiveChange | null {
  switch (name) {
    case 'message:new': {
      const p = parse(name, event);
      return p && { kind: 'messages', chatId: p.message.chatId };
    }
    case 'message:status': {
      // Only the sender's devices get who delivered / read: that changes ticks shown here. Without the lists
      // it is this user's own receipt (sent by this phone or another device) — nothing to re-read for.
      const p = parse(name, event);
      return p && (p.deliveredTo || p.readBy) ? { kind: 'messages', chatId: p.chatId } : null;
    }
    case 'message:edited': {
      const p = parse(name, event);
      return p && { kind: 'message-action', action: { type: 'edited', ...p } };
    }
    case 'message:deleted': {
      const p = parse(name, event);
      return p && { kind: 'message-action', action: { type: 'deleted', ...p } };
    }
    case 'message:hidden': {
      const p = parse(name, event);
      return p && { kind: 'message-action', action: { type: 'hidden', ...p } };
    }
    case 'chat:removed': {
      const p = parse(name, event);
      return p && { kind: 'chats', chatId: p.chatId };
    }
    case 'settings:sync': {
      const p = parse(name, event);
      return p && { kind: 'settings', record: p.settings };
    }
    case 'chat:update': {
      const p = parse(name, event);
      return p && { kind: 'chats', chatId: p.chat.chatId };
    }
    case 'draft:update': {
      const p = parse(name, event);
      return p && { kind: 'drafts', chatId: p.draft.chatId };
    }
    case 'contacts:sync': {
      const p = parse(name, event);
      return p && { kind: 'contacts', record: p.contacts };
    }
    case 'device:linked': {
      const p = parse(name, event);
      return p && { kind: 'linked', deviceId: p.deviceId };
    }
    case 'device:revoked': {
      const p = parse(name, event);
      return p && { kind: 'revoked', deviceId: p.deviceId };
    }
  }
}

/**
 * `task` run at most once at a time: a call while it runs schedules one more run after it (however many
 * calls came meanwhile), so a burst of events costs two fetches, not one per event, and the last one
 * starts after the last event.
 */
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again: Promise<void> | null = null;
  const run = (): Promise<void> => {
    if (!running) {
      running = task().finally(() => {
        running = null;
      });
      return running;
    }
    again ??= running
      .catch(() => undefined)
      .then(() => {
        again = null;
        return run();
      });
    return again;
  };
  return run;
}
