import type { z } from 'zod';
import { type MessageRecord, type SyncEventName, type SyncEventPayload, SyncEvents } from '../../../../common/contract';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { LocalStore } from '../store/local-store';
import { putStoredSettings } from '../store/user-settings';
import { ChatKeys, MessageScreen, type ScreenVerdict } from './message-screen';
import type { RawEvent } from './sse-connection';
import type { SyncProblem } from './sync-problem';

export type { SyncProblem, SyncProblemCode } from './sync-problem';

export type ParsedEvent = {
  [N in SyncEventName]: { name: N; payload: SyncEventPayload<N>; id: string | null };
}[SyncEventName];

/** Parses one raw event against the contract. Anything that doesn't match is a problem, never an exception. */
export function parseEvent(raw: RawEvent): ParseOutcome {
  const json = parseJson(raw);
  return json.ok ? validateEvent(raw, json.value) : json;
}

export type ParseOutcome = { ok: true; event: ParsedEvent } | { ok: false; problem: SyncProblem };

/** The event's data as JSON (an unknown event name is a problem before any parsing). */
export function parseJson(raw: RawEvent): { ok: true; value: unknown } | { ok: false; problem: SyncProblem } {
  if (!(raw.name in SyncEvents))
    return { ok: false, problem: { code: 'unknown_event', event: raw.name, message: `unknown event "${raw.name}"` } };
  try {
    return { ok: true, value: JSON.parse(raw.data) };
  } catch {
    return {
      ok: false,
      problem: { code: 'malformed_json', event: raw.name, message: `"${raw.name}" carried malformed JSON` },
    };
  }
}

/** Validates parsed JSON against the event's schema. */
export function validateEvent(raw: RawEvent, json: unknown): ParseOutcome {
  const schema = (SyncEvents as Record<string, z.ZodType>)[raw.name]!;
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: contractProblem(raw.name, parsed.error.issues[0]) };
  return { ok: true, event: { name: raw.name, payload: parsed.data, id: raw.id } as ParsedEvent };
}

export function contractProblem(
  event: string,
  issue: { path: ReadonlyArray<PropertyKey>; message: string } | undefined,
): SyncProblem {
  return {
    code: 'invalid_payload',
    event,
    message: `"${event}" does not match the contract${issue ? ` (${issue.path.map(String).join('.')}: ${issue.message})` : ''}`,
  };
}

export interface ApplyResult {
  readonly inserted: MessageRecord[];
  readonly problems: SyncProblem[];
  /** Live messages for chats this store doesn't have (evicted, or not yet announced): fetch the chat, then retry. */
  readonly missingChats: string[];
  /** Messages an edit, a delete or a delete-for-me changed: views refresh them. */
  readonly actions: Array<{ readonly chatId: string; readonly messageId: string }>;
  /** Chats this user is no longer in (`chat:removed`): gone from the store; views and the search index drop them. */
  readonly removedChats: string[];
}

/**
 * Applies parsed events to the store. Call inside one store transaction: the data and the Last-Event-ID
 * that covers it are written together. Messages of a chat whose key this device can't open are skipped
 * and reported; the rest of the batch applies. `screened`: history batches whose envelopes the engine
 * already checked (`screenHistory`, outside the transaction), so only their inserts run inside it.
 */
export function applyEvents(
  store: LocalStore,
  keyring: ChatKeyring,
  events: readonly ParsedEvent[],
  screened?: ReadonlyMap<ParsedEvent, ScreenVerdict>,
): ApplyResult {
  const inserted: MessageRecord[] = [];
  const problems: SyncProblem[] = [];
  const missingChats = new Set<string>();
  const actions: Array<{ chatId: string; messageId: string }> = [];
  const removedChats: string[] = [];
  const keys = new ChatKeys(store, keyring);
  const acceptMessages = (event: string, messages: readonly MessageRecord[], live: boolean): MessageRecord[] => {
    const screen = new MessageScreen(keys, event, live);
    screen.add(messages);
    const verdict = screen.verdict();
    problems.push(...verdict.problems);
    for (const chatId of verdict.missingChats) missingChats.add(chatId);
    return verdict.ok;
  };
  // History screened before its transaction (in slices, by the engine): only a chat gone since is left to check.
  const screenedMessages = (event: ParsedEvent & { name: 'message:sync' }): MessageRecord[] => {
    const verdict = screened?.get(event);
    if (!verdict) return acceptMessages(event.name, event.payload.messages, false);
    problems.push(...verdict.problems);
    const gone = new Set<string>();
    const present = new Map<string, boolean>();
    const ok = verdict.ok.filter((m) => {
      if (!present.has(m.chatId)) present.set(m.chatId, store.hasChat(m.chatId));
      if (!present.get(m.chatId)) gone.add(m.chatId);
      return present.get(m.chatId);
    });
    for (const chatId of gone)
      problems.push({
        code: 'undecryptable_chat',
        event: event.name,
        message: `skipped messages of chat ${chatId}: it is no longer in this store`,
      });
    return ok;
  };

  for (const event of events) {
    switch (event.name) {
      case 'sync:initial':
        store.upsertChats(event.payload.chats);
        store.setState('snapshot_seq', String(event.payload.snapshotSeq));
        store.setState('plan', JSON.stringify(event.payload.plan));
        store.setState('last_opened_chat_id', event.payload.lastOpenedChatId ?? '');
        break;
      case 'message:sync':
        inserted.push(...store.putMessages(screenedMessages(event)));
        store.markHistoryComplete(event.payload.chatsCompleted.filter((id) => store.hasChat(id)));
        break;
      case 'message:new':
        inserted.push(...store.putMessages(acceptMessages(event.name, [event.payload.message], true)));
        break;
      case 'message:status':
        store.setMessageStatus(event.payload.chatId, event.payload.messageId, event.payload.status);
        // Who delivered / read: only on this account's own messages (the server sends them to the sender).
        if (event.payload.deliveredTo || event.payload.readBy)
          store.putReceipts(event.payload.chatId, event.payload.messageId, event.payload);
        break;
      // Message actions (docs/MESSAGES.md). An edit is stored sealed and checked when shown (ChatReader):
      // its signature, not the server, says whether the author wrote it.
      case 'message:edited':
        if (store.putMessageEdit(event.payload.chatId, event.payload.messageId, event.payload.edit))
          actions.push(event.payload);
        break;
      case 'message:deleted':
        if (store.deleteMessageContent(event.payload.chatId, event.payload.messageId, event.payload.deletedAt))
          actions.push(event.payload);
        break;
      case 'message:hidden':
        if (store.removeMessage(event.payload.chatId, event.payload.messageId)) actions.push(event.payload);
        break;
      case 'chat:update':
        store.upsertChats([event.payload.chat]);
        keys.forget(event.payload.chat.chatId);
        break;
      case 'chat:removed':
        // Left or removed (docs/GROUPS.md): nothing of the chat stays on this device.
        keys.forget(event.payload.chatId);
        if (store.removeChat(event.payload.chatId)) removedChats.push(event.payload.chatId);
        break;
      case 'draft:update':
        // Unless the local draft wins (the shared conflict rule); kept even before its chat arrives.
        store.putDraft(event.payload.draft);
        break;
      case 'settings:sync':
        putStoredSettings(store, event.payload.settings);
        break;
      case 'cache_primed':
        store.setState('cursor', String(event.payload.cursor));
        store.setState('held_history', ''); // a relink's fresh plan is complete: nothing left to skip
        break;
      case 'connected':
        // A relink resumed from its position: the kept history needs no description any more.
        if (event.payload.mode === 'live') store.setState('held_history', '');
        break;
      default:
        break;
    }
    // The position advances past every event, applied or skipped: a bad event is reported once, not
    // re-fetched forever. (Except live messages waiting for their chat: the engine retries those first.)
    if (event.id !== null && missingChats.size === 0) store.setState('last_event_id', event.id);
  }
  return { inserted, problems, missingChats: [...missingChats], actions, removedChats };
}
