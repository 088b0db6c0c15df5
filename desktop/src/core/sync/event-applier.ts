import type { z } from 'zod';
import { type MessageRecord, type SyncEventName, type SyncEventPayload, SyncEvents } from '../../../../common/contract';
import type { ChatKey } from '../../../../common/crypto';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { LocalStore } from '../store/local-store';
import { putStoredSettings } from '../store/user-settings';
import { messageEnvelopeOpens } from './envelope-check';
import type { RawEvent } from './sse-connection';

export type SyncProblemCode =
  | 'malformed_json'
  | 'invalid_payload'
  | 'unknown_event'
  | 'undecryptable_chat'
  | 'undecryptable_message'
  /** A chat's newer key versions did not verify against its signed membership (docs/GROUPS.md): dropped. */
  | 'unverified_keys';

export interface SyncProblem {
  readonly code: SyncProblemCode;
  readonly event: string;
  readonly message: string;
}

export type ParsedEvent = {
  [N in SyncEventName]: { name: N; payload: SyncEventPayload<N>; id: string | null };
}[SyncEventName];

/** Parses one raw event against the contract. Anything that doesn't match is a problem, never an exception. */
export function parseEvent(raw: RawEvent): { ok: true; event: ParsedEvent } | { ok: false; problem: SyncProblem } {
  const schema = (SyncEvents as Record<string, z.ZodType>)[raw.name];
  if (!schema)
    return { ok: false, problem: { code: 'unknown_event', event: raw.name, message: `unknown event "${raw.name}"` } };
  let json: unknown;
  try {
    json = JSON.parse(raw.data);
  } catch {
    return {
      ok: false,
      problem: { code: 'malformed_json', event: raw.name, message: `"${raw.name}" carried malformed JSON` },
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      problem: {
        code: 'invalid_payload',
        event: raw.name,
        message: `"${raw.name}" does not match the contract${issue ? ` (${issue.path.join('.')}: ${issue.message})` : ''}`,
      },
    };
  }
  return { ok: true, event: { name: raw.name, payload: parsed.data, id: raw.id } as ParsedEvent };
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
 * and reported; the rest of the batch applies.
 */
export function applyEvents(store: LocalStore, keyring: ChatKeyring, events: readonly ParsedEvent[]): ApplyResult {
  const inserted: MessageRecord[] = [];
  const problems: SyncProblem[] = [];
  const missingChats = new Set<string>();
  const actions: Array<{ chatId: string; messageId: string }> = [];
  const removedChats: string[] = [];
  // Per chat and key version (docs/GROUPS.md): a message opens with the key of the version it was written under.
  const keys = new Map<string, ChatKey | null>();
  const keyOf = (chatId: string, keyVersion: number): ChatKey | null | 'missing' => {
    const slot = `${chatId}/${keyVersion}`;
    if (!keys.has(slot)) {
      const chat = store.getChat(chatId);
      if (!chat) return 'missing';
      keys.set(slot, keyring.keyFor(chat, keyVersion));
    }
    return keys.get(slot)!;
  };
  const forgetKeys = (chatId: string) => {
    for (const slot of keys.keys()) if (slot.startsWith(`${chatId}/`)) keys.delete(slot);
  };
  const acceptMessages = (event: string, messages: readonly MessageRecord[], live: boolean): MessageRecord[] => {
    const ok: MessageRecord[] = [];
    const refused = new Map<string, Set<number>>();
    for (const message of messages) {
      const version = message.keyVersion ?? 1;
      const key = keyOf(message.chatId, version);
      if (key === 'missing' && live) missingChats.add(message.chatId);
      else if (key === null || key === 'missing')
        refused.set(message.chatId, (refused.get(message.chatId) ?? new Set()).add(version));
      // A tombstone has no envelope to open (delete for everyone: docs/MESSAGES.md).
      else if (message.deletedAt && message.ciphertext === '') ok.push(message);
      else if (messageEnvelopeOpens(key, message.chatId, message.messageId, message.ciphertext, version))
        ok.push(message);
      else {
        problems.push({
          code: 'undecryptable_message',
          event,
          message: `skipped message ${message.messageId} of chat ${message.chatId}: its envelope does not open (damaged or not this message's)`,
        });
      }
    }
    for (const [chatId, versions] of refused) {
      problems.push({
        code: 'undecryptable_chat',
        event,
        message: `skipped messages of chat ${chatId}: this device has no key for it (key version ${[...versions].join(', ')})`,
      });
    }
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
        inserted.push(...store.putMessages(acceptMessages(event.name, event.payload.messages, false)));
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
        forgetKeys(event.payload.chat.chatId);
        break;
      case 'chat:removed':
        // Left or removed (docs/GROUPS.md): nothing of the chat stays on this device.
        forgetKeys(event.payload.chatId);
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
