import { z } from 'zod';
import { ChatSummary } from './http/chats';
import { DraftRecord } from './http/drafts';
import { MessageRecord, RecipientReceipts } from './http/messages';
import { MessageEditRecord } from './http/message-actions';
import { ContactsRecord } from './http/contacts';
import { SettingsRecord } from './http/settings';
import { Id, MessageStatus, Timestamp } from './primitives';

/**
 * The sync stream (`GET /sse/connect`), one schema per event name. The server writes only these; the
 * desktop parses every event with these and reports (then skips) anything that doesn't match.
 *
 * Event ids:
 * - live events carry the change-log seq (`id: 1234`); `Last-Event-ID: 1234` resumes right after it;
 * - fresh-sync events carry `h<snapshotSeq>:<chatIndex>:<offset>` — the position in the device's stored
 *   sync plan, so a cut in the middle of phase 3 resumes at the same chat and message, not from scratch.
 */

export const SyncPhase = z.union([z.literal(1), z.literal(2), z.literal(3)]);

/**
 * The messages a chat shows when it opens: the newest screenful and some scroll-back. A chat's history
 * streams newest first, and the last opened chat's first batch (phase 1) holds exactly this many, so a
 * new desktop can show the conversation the user left before the rest of its history has arrived.
 */
export const FIRST_SCREEN_MESSAGES = 200;
export type SyncPhase = z.infer<typeof SyncPhase>;

export const SyncPlan = z.object({
  /** Phase 1: the last opened chat (empty if the user never opened one). */
  phase1: z.array(Id).max(1),
  /** Phase 2: the most recently updated chats after it (10). */
  phase2: z.array(Id),
  /** Phase 3: the rest, up to the device's chat budget (100 in all). */
  phase3: z.array(Id),
});
export type SyncPlan = z.infer<typeof SyncPlan>;

export const ManifestChat = ChatSummary;

export const SyncEvents = {
  connected: z.object({
    deviceId: Id,
    serverTime: Timestamp,
    mode: z.enum(['fresh', 'resume-fresh', 'live']),
    /** The seq the server resumes after (live mode), or the snapshot seq (fresh modes). */
    cursor: z.int(),
    /**
     * How often the server writes a heartbeat on an idle stream. The client treats a stream silent for
     * several heartbeats as dead (a half-open TCP connection never reports an error by itself).
     * Optional: older servers don't announce it, and the client then assumes the default.
     */
    heartbeatMs: z.int().positive().optional(),
  }),
  'sync:initial': z.object({
    snapshotSeq: z.int(),
    lastOpenedChatId: Id.nullable(),
    chats: z.array(ManifestChat),
    plan: SyncPlan,
    totals: z.object({
      chats: z.int(),
      messages: z.int(),
      bytes: z.int(),
      /** All of the user's chats on the server, including those beyond the plan. */
      chatsOnServer: z.int(),
    }),
  }),
  /**
   * A batch of history (seed name). Messages of one or more chats of the same phase; each chat's messages
   * come newest first (`FIRST_SCREEN_MESSAGES`).
   */
  'message:sync': z.object({
    phase: SyncPhase,
    messages: z.array(MessageRecord),
    /** Chats whose history is complete with this batch. */
    chatsCompleted: z.array(Id),
  }),
  phase_1_last_chat_ready: z.object({ chats: z.int(), messages: z.int(), bytes: z.int() }),
  phase_2_last_10_chats_ready: z.object({ chats: z.int(), messages: z.int(), bytes: z.int() }),
  /** The user's settings (envelope under the master key): in a fresh sync between phase 2 and phase 3, then live on change. */
  'settings:sync': z.object({ settings: SettingsRecord }),
  /** The user's contact book (pinned keys; envelope under the master key): with the settings, then live on change. */
  'contacts:sync': z.object({ contacts: ContactsRecord }),
  phase_3_last_100_chats_ready: z.object({ chats: z.int(), messages: z.int(), bytes: z.int() }),
  /** History is complete up to `cursor`; live changes after it follow. */
  cache_primed: z.object({ cursor: z.int() }),
  'sync:error': z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }),

  'message:new': z.object({ message: MessageRecord }),
  /** A receipt changed: `status` as in MessageRecord; on the sender's devices also who delivered / read. */
  'message:status': z.object({ chatId: Id, messageId: Id, status: MessageStatus, ...RecipientReceipts.shape }),
  'chat:update': z.object({ chat: ChatSummary }),
  /** Message actions (docs/MESSAGES.md): the latest edit, a delete for everyone, a delete for me (own devices only). */
  'message:edited': z.object({ chatId: Id, messageId: Id, edit: MessageEditRecord }),
  'message:deleted': z.object({ chatId: Id, messageId: Id, deletedAt: Timestamp }),
  'message:hidden': z.object({ chatId: Id, messageId: Id }),
  /** This user is no longer a member (left, or removed: docs/GROUPS.md): devices drop the chat. */
  'chat:removed': z.object({ chatId: Id }),
  'draft:update': z.object({ draft: DraftRecord }),
  /** A device was linked to the account (a desktop paired): lists of devices refresh. */
  'device:linked': z.object({ deviceId: Id }),
  'device:revoked': z.object({ deviceId: Id }),
} as const;

export type SyncEventName = keyof typeof SyncEvents;
export type SyncEventPayload<N extends SyncEventName> = z.infer<(typeof SyncEvents)[N]>;
export const SYNC_EVENT_NAMES = Object.keys(SyncEvents) as SyncEventName[];

export const LIVE_EVENT_NAMES = [
  'message:new',
  'message:status',
  'message:edited',
  'message:deleted',
  'message:hidden',
  'chat:update',
  'chat:removed',
  'draft:update',
  'settings:sync',
  'contacts:sync',
  'device:linked',
  'device:revoked',
] as const;
export type LiveEventName = (typeof LIVE_EVENT_NAMES)[number];

/**
 * The query of `GET /sse/connect`. Not strict: the desktop adds its own (`chats`, `lastEventId`).
 * - `ticket`: a one-time ticket from `POST /sse/ticket`, instead of the Authorization header (browsers);
 * - `since=<seq>`: live-only start after that seq (a client that remembers its last event);
 * - `from=now`: live-only start at the user's latest seq (a client with no history to sync, the phone).
 * A seq `Last-Event-ID` (the browser's own reconnect) wins over both; with none of them, a fresh sync.
 */
/**
 * What a relinked desktop's kept store holds (docs/SYNC.md, "Relink"): per chat whose history it holds
 * whole, the time `since` (ms, server clock) from which it may lack messages, and the ids it holds from
 * then on (`except`). Sent as JSON in the stream request's `x-symc-held-history` header; a fresh plan (its
 * position older than the change log keeps) then sends of such a chat only the messages created, edited
 * or deleted from `since` on, minus `except`. Listing fewer ids only re-sends some (idempotent), never skips.
 */
export const HELD_HISTORY_HEADER = 'x-symc-held-history';
export const MAX_HELD_CHATS = 500;
export const MAX_HELD_EXCEPT = 100;
export const HeldChat = z.strictObject({
  chatId: Id,
  since: z.int().nonnegative(),
  except: z.array(Id).max(MAX_HELD_EXCEPT),
});
export type HeldChat = z.infer<typeof HeldChat>;
export const HeldHistory = z.array(HeldChat).max(MAX_HELD_CHATS);
export type HeldHistory = z.infer<typeof HeldHistory>;

/** The header's value: null when absent; a readable reason when it is not a HeldHistory. */
export function parseHeldHistory(value: string | undefined): { held: HeldHistory | null } | { error: string } {
  if (value === undefined) return { held: null };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { error: 'not JSON' };
  }
  const parsed = HeldHistory.safeParse(json);
  if (parsed.success) return { held: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
}

export const SseConnectQuery = z.object({
  // Any other string is an unknown ticket (401), like a wrong token; the bound only keeps input small.
  ticket: z.string().max(200).optional(),
  since: z
    .string()
    .regex(/^\d{1,15}$/, 'a change seq (a non-negative integer)')
    .transform(Number)
    .optional(),
  from: z.literal('now').optional(),
  /**
   * `primed`: a finite stream, for a client behind a proxy that buffers streams (it then follows the live
   * changes with `GET /sync/changes`): a fresh sync ends right after `cache_primed`, a resume by seq right
   * after `connected`. A finite response gets through any buffering proxy: it is flushed when it ends.
   */
  until: z.literal('primed').optional(),
});
export type SseConnectQuery = z.infer<typeof SseConnectQuery>;

/**
 * Fresh-sync position: `h<snapshotSeq>:<chatIndex>:<offset>` — the chat at `chatIndex` of the stored plan,
 * `offset` messages from its newest (history streams newest first). Positions of the older oldest-first
 * order were written `f…`; their offset counts from the other end, so they are not honoured: a device
 * that comes back with one (a server upgraded during its first sync) starts a new fresh sync instead of
 * skipping the wrong messages.
 */
export interface FreshPosition {
  readonly snapshotSeq: number;
  readonly chatIndex: number;
  readonly offset: number;
}

export function formatFreshPosition(p: FreshPosition): string {
  return `h${p.snapshotSeq}:${p.chatIndex}:${p.offset}`;
}

export type ParsedEventId = { kind: 'live'; seq: number } | ({ kind: 'fresh' } & FreshPosition) | { kind: 'none' };

export function parseEventId(id: string | undefined | null): ParsedEventId {
  if (!id) return { kind: 'none' };
  if (/^\d{1,15}$/.test(id)) return { kind: 'live', seq: Number(id) };
  const m = /^h(\d{1,15}):(\d{1,6}):(\d{1,9})$/.exec(id);
  if (m) return { kind: 'fresh', snapshotSeq: Number(m[1]), chatIndex: Number(m[2]), offset: Number(m[3]) };
  return { kind: 'none' };
}
