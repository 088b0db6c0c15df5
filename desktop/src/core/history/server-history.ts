import { decryptChatMeta } from '../../../../common/content';
import { MAX_CHAT_PAGE, MAX_PAGE, type ChatSummary, type MessageRecord, SyncPlan } from '../../../../common/contract';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import { applyEvents, type ParsedEvent } from '../sync/event-applier';

/** What paging a chat's history back from the server did. Never throws: a failure is `error`. */
export interface OlderFetch {
  /** Messages newly stored, all older than what the store held. */
  readonly stored: MessageRecord[];
  /** Why records of the server's answer were refused (another chat's, a position not asked for, an envelope that doesn't open). */
  readonly refused: string[];
  /** The server has nothing older: the chat's whole history is on this desktop now. */
  readonly complete: boolean;
  /** Chats the storage budget evicted to make room (their keys have left memory). */
  readonly evicted: string[];
  /** The request failed (offline, refused): what was stored before it stays. */
  readonly error: string | null;
}

/** A chat of the account that is not on this desktop (beyond the synced set, or evicted). */
export interface ServerChatEntry {
  readonly chatId: string;
  /** Decrypted here; null when this device can't open the chat's key. */
  readonly title: string | null;
  readonly updatedAt: string;
  readonly memberCount: number;
}

export interface ServerHistoryDeps {
  readonly session: DeviceSession;
  readonly store: LocalStore;
  readonly keyring: ChatKeyring;
  /** Applies the budget again (the engine's, with its protected chats); returns the evicted chats. */
  readonly enforceBudget: () => string[];
  /** A page of older messages was stored (the user's read markers cover some of them: core/settings/read-markers.ts). */
  readonly onStored?: (chatId: string) => void;
}

type Position = { readonly createdAt: string; readonly id: string };

/**
 * Screens one page of the server's answer for "the messages of `chatId` before `anchor`" before anything
 * is applied: the server picks the rows and their order, so a record of another chat, one at or after the
 * position asked for, one already stored (a page must never move a message the store has) or one twice in
 * the page is refused or skipped here. The envelopes are opened afterwards by the sync's own applier (chat
 * id + message id as additional data), and the signatures checked when shown, exactly as synced messages.
 */
export function screenOlderPage(
  chatId: string,
  anchor: Position | null,
  records: readonly MessageRecord[],
  isStored: (messageId: string) => boolean,
): { accepted: MessageRecord[]; refused: string[] } {
  const accepted: MessageRecord[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  for (const m of records) {
    if (m.chatId !== chatId) refused.push(`message ${m.messageId} belongs to chat ${m.chatId}, not ${chatId}`);
    else if (anchor && (m.createdAt > anchor.createdAt || m.messageId === anchor.id))
      refused.push(`message ${m.messageId} is not before the position asked for`);
    else if (seen.has(m.messageId) || isStored(m.messageId)) continue;
    else {
      seen.add(m.messageId);
      accepted.push(m);
    }
  }
  return { accepted, refused };
}

/**
 * The account's history beyond what the phased sync brought (docs/SYNC.md "History beyond the synced set"):
 * older messages of a chat paged from the server when the user scrolls past the local oldest, chats beyond
 * the synced set listed on demand, and a chat taken onto this desktop when opened from that list. What it
 * stores is cached like synced history: counted in the budget and evicted with its chat.
 */
export class ServerHistory {
  constructor(private readonly deps: ServerHistoryDeps) {}

  /** Whether the server may hold older messages of this chat than the store (its history isn't complete here). */
  mayHaveOlder(chatId: string): boolean {
    const chat = this.deps.store.getChat(chatId);
    return chat !== null && chat.history_complete === 0 && !this.comingWithFirstSync(chatId);
  }

  /** A chat of the running first sync's plan: its history is on its way in the stream, not asked for twice. */
  private comingWithFirstSync(chatId: string): boolean {
    const { store } = this.deps;
    if ((store.getState('cursor') ?? '') !== '') return false;
    try {
      const plan = SyncPlan.parse(JSON.parse(store.getState('plan') ?? 'null'));
      return [...plan.phase1, ...plan.phase2, ...plan.phase3].includes(chatId);
    } catch {
      return false;
    }
  }

  /**
   * Pages back from the oldest message the store has (that the server knows) until `want` more are stored,
   * the server has no more, or it answers nothing new. Each page is stored in its own transaction.
   */
  async fetchOlder(chatId: string, want: number, options: { signal?: AbortSignal } = {}): Promise<OlderFetch> {
    const { session, store, keyring } = this.deps;
    const stored: MessageRecord[] = [];
    const refused: string[] = [];
    let complete = false;
    let error: string | null = null;
    try {
      while (stored.length < want && store.hasChat(chatId) && !complete) {
        const oldest = store.oldestServerMessage(chatId);
        const anchor = oldest ? { createdAt: oldest.created_at, id: oldest.id } : null;
        const page = await session.call(
          'listMessages',
          {
            params: { chatId },
            query: { limit: Math.min(MAX_PAGE, want - stored.length), ...(anchor ? { before: anchor.id } : {}) },
          },
          options.signal ? { signal: options.signal } : {},
        );
        if (!store.hasChat(chatId)) break; // evicted while the request was out
        const screened = screenOlderPage(chatId, anchor, page.messages, (id) => store.getMessage(chatId, id) !== null);
        // Reached what the user deleted with the chat (docs/MESSAGES.md): nothing older is shown, none of it
        // is stored, and the chat's history here is complete.
        const deletedBefore = screened.accepted.some((m) => store.purge.hides(chatId, m.createdAt));
        refused.push(...screened.refused);
        const event = {
          name: 'message:sync',
          id: null,
          payload: { phase: 3, messages: screened.accepted, chatsCompleted: [] },
        } as ParsedEvent;
        const result = store.transaction(() => {
          const applied = applyEvents(store, keyring, [event]);
          // The end of the chat, as this server says it, counts only from an answer with nothing refused.
          const ended = page.nextBefore === null || deletedBefore;
          if (ended && screened.refused.length === 0 && applied.problems.length === 0) {
            store.markHistoryComplete([chatId]);
            complete = true;
          }
          return applied;
        });
        refused.push(...result.problems.map((p) => p.message));
        stored.push(...result.inserted);
        if (result.inserted.length > 0) this.deps.onStored?.(chatId);
        if (page.nextBefore === null || deletedBefore || result.inserted.length === 0) break;
      }
    } catch (failure) {
      error = (failure as Error).message;
    }
    const evicted = this.deps.enforceBudget();
    return { stored, refused, complete, evicted, error };
  }

  /**
   * One page of the account's chats that are not on this desktop, most recently updated first; `after` is
   * the previous answer's `nextAfter`. Titles are decrypted here (the keys leave memory again at once).
   */
  async listMissingChats(after?: string): Promise<{ chats: ServerChatEntry[]; nextAfter: string | null }> {
    const page = await this.deps.session.call('listChats', {
      query: { limit: MAX_CHAT_PAGE, ...(after ? { after } : {}) },
    });
    const chats = page.chats
      .filter((chat) => !this.deps.store.hasChat(chat.chatId))
      .map((chat) => ({
        chatId: chat.chatId,
        title: this.title(chat),
        updatedAt: chat.updatedAt,
        memberCount: chat.members.length,
      }));
    return { chats, nextAfter: page.nextAfter ?? null };
  }

  /**
   * Takes a chat of the account onto this desktop (opened from the "More chats" list, or evicted and opened
   * again): its summary from the server, its history then filled by `fetchOlder`. The caller protects it
   * from eviction first (the open chat). False when the server doesn't give this chat.
   */
  async adopt(chatId: string): Promise<boolean> {
    const { store } = this.deps;
    if (store.hasChat(chatId)) return true;
    const chat = await this.deps.session.call('getChat', { params: { chatId } }).catch(() => null);
    if (!chat || chat.chatId !== chatId) return false;
    store.transaction(() => store.upsertChats([chat]));
    return true;
  }

  /** The title of a chat listed from the server; null when its key is not one this desktop can trust yet. */
  private title(chat: ChatSummary): string | null {
    const version = chat.keyVersion ?? 1;
    const copy = { wrapped_chat_key: chat.wrappedChatKey, sealed_chat_key: chat.sealedChatKey };
    const key = this.deps.keyring.openFirstVersionCopy(chat.chatId, copy, version);
    if (!key) return null;
    try {
      return decryptChatMeta(key, chat.chatId, chat.encryptedMeta, version).title;
    } catch {
      return null;
    } finally {
      key.fill(0);
    }
  }
}
