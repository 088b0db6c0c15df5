import type { ChatSummary, SyncEventName, SyncEventPayload } from '../../../../common/contract';
import type { Db } from '../../db/client';
import { listChatSummaries, loadMemberChatSummary } from '../chats/chat-summary';
import { loadDraft } from '../drafts/draft-store';
import { type MessageRow, receiptViews, toMessageRecord } from '../messages/message-row';
import { loadContacts } from '../contacts/contacts.use-cases';
import { loadSettings } from '../settings/settings.use-cases';
import type { CommittedChange } from '../changes/change-log';
import { markShared } from './sse-writer';

type NewMessagePayload = SyncEventPayload<'message:new'>;

async function loadMessages(db: Db, ids: readonly string[]): Promise<Map<string, MessageRow>> {
  return new Map((await db.message.findMany({ where: { id: { in: [...ids] } } })).map((m) => [m.id, m]));
}

/**
 * `message:new` lookups in flight, per database client and id list. A message to a group reaches every
 * member's streams at the same instant, and each would load the same row: those asking while the query
 * runs share it (single flight), and nothing is kept once it settles. Only `message:new` may share: a new
 * message's content never changes, and the status it carries can only be older than a status change
 * committed meanwhile — which has its own change, later in the same stream, looked up by its own fresh
 * query. A `message:status` lookup never shares (joining a query that began before the change committed
 * could deliver the old status as the new one). So `message:new` carries the stored summary status and no
 * per-recipient lists (the same for every member); each receipt has its own `message:status` change in the
 * sender's and the reader's logs, which carries the viewer's own view.
 *
 * The payloads are shared too, and marked so each stream's writer serializes one only once.
 */
const newMessagesInFlight = new WeakMap<Db, Map<string, Promise<Map<string, NewMessagePayload>>>>();

function sharedNewMessages(db: Db, ids: readonly string[]): Promise<Map<string, NewMessagePayload>> {
  let inFlight = newMessagesInFlight.get(db);
  if (!inFlight) newMessagesInFlight.set(db, (inFlight = new Map()));
  const key = [...ids].sort().join(',');
  const running = inFlight.get(key);
  if (running) return running;
  const query = loadMessages(db, ids)
    .then(
      (rows) =>
        new Map([...rows].map(([id, m]) => [id, markShared<NewMessagePayload>({ message: toMessageRecord(m) })])),
    )
    .finally(() => inFlight.delete(key));
  inFlight.set(key, query);
  return query;
}

export type LiveEvent = {
  [N in SyncEventName]: { name: N; payload: SyncEventPayload<N>; seq: number };
}[SyncEventName];

/**
 * Turns change-log entries into stream events carrying the entity's current state. Entities are loaded
 * in bulk per page of changes; an entity that no longer exists yields no event (the seq still advances
 * the cursor because the next event's id is higher).
 */
export async function toLiveEvents(db: Db, userId: string, changes: readonly CommittedChange[]): Promise<LiveEvent[]> {
  // Status changes and message actions read the row's current state (a fresh query, never shared).
  const statusIds = new Set(
    changes
      .filter(
        (c) => (c.kind === 'message:status' || c.kind === 'message:edit' || c.kind === 'message:delete') && c.entityId,
      )
      .map((c) => c.entityId!),
  );
  const newIds = new Set(
    changes.filter((c) => c.kind === 'message:new' && c.entityId && !statusIds.has(c.entityId)).map((c) => c.entityId!),
  );
  const [messages, newMessages] = await Promise.all([
    statusIds.size ? loadMessages(db, [...statusIds]) : new Map<string, MessageRow>(),
    newIds.size ? sharedNewMessages(db, [...newIds]) : new Map<string, NewMessagePayload>(),
  ]);
  const statusRows = [...messages.values()].filter((m) =>
    changes.some((c) => c.kind === 'message:status' && c.entityId === m.id),
  );
  const views = statusRows.length ? await receiptViews(db, userId, statusRows) : new Map();
  const chatIds = [
    ...new Set(
      changes.filter((c) => (c.kind === 'chat:new' || c.kind === 'chat:update') && c.chatId).map((c) => c.chatId!),
    ),
  ];
  const chats =
    chatIds.length > 3
      ? new Map((await listChatSummaries(db, userId)).map((c) => [c.chatId, c]))
      : new Map(
          (
            await Promise.all(chatIds.map(async (id) => [id, await loadMemberChatSummary(db, id, userId)] as const))
          ).filter((entry): entry is [string, ChatSummary] => entry[1] !== null),
        );

  const events: LiveEvent[] = [];
  for (const change of changes) {
    switch (change.kind) {
      case 'message:new': {
        const shared = newMessages.get(change.entityId ?? '');
        const m = shared ? null : messages.get(change.entityId ?? '');
        if (shared) events.push({ name: 'message:new', payload: shared, seq: change.seq });
        else if (m) events.push({ name: 'message:new', payload: { message: toMessageRecord(m) }, seq: change.seq });
        break;
      }
      case 'message:status': {
        const m = messages.get(change.entityId ?? '');
        if (m) {
          events.push({
            name: 'message:status',
            payload: (({ status, deliveredTo, readBy }) => ({
              chatId: m.chatId,
              messageId: m.id,
              status,
              ...(deliveredTo ? { deliveredTo } : {}),
              ...(readBy ? { readBy } : {}),
            }))(toMessageRecord(m, views.get(m.id))),
            seq: change.seq,
          });
        }
        break;
      }
      case 'message:edit': {
        // The newest edit now (a later one has its own change too; clients keep the highest version).
        const m = messages.get(change.entityId ?? '');
        const edit = m ? toMessageRecord(m).edit : null;
        if (m && edit && !m.deletedAt) {
          events.push({
            name: 'message:edited',
            payload: { chatId: m.chatId, messageId: m.id, edit },
            seq: change.seq,
          });
        }
        break;
      }
      case 'message:delete': {
        const m = messages.get(change.entityId ?? '');
        if (m?.deletedAt) {
          events.push({
            name: 'message:deleted',
            payload: { chatId: m.chatId, messageId: m.id, deletedAt: m.deletedAt.toISOString() },
            seq: change.seq,
          });
        }
        break;
      }
      case 'message:hide':
        if (change.chatId && change.entityId) {
          events.push({
            name: 'message:hidden',
            payload: { chatId: change.chatId, messageId: change.entityId },
            seq: change.seq,
          });
        }
        break;
      case 'chat:new':
      case 'chat:update': {
        const chat = chats.get(change.chatId ?? '');
        if (chat) events.push({ name: 'chat:update', payload: { chat }, seq: change.seq });
        break;
      }
      case 'chat:removed':
        if (change.chatId) events.push({ name: 'chat:removed', payload: { chatId: change.chatId }, seq: change.seq });
        break;
      case 'draft:update': {
        // Hot row or, once folded after its TTL, the chat row: a device away for longer still gets it.
        const draft = await loadDraft(db, userId, change.chatId ?? '');
        if (draft) events.push({ name: 'draft:update', payload: { draft }, seq: change.seq });
        break;
      }
      case 'settings:update': {
        const settings = await loadSettings(db, userId);
        if (settings) events.push({ name: 'settings:sync', payload: { settings }, seq: change.seq });
        break;
      }
      case 'contacts:update': {
        const contacts = await loadContacts(db, userId);
        if (contacts) events.push({ name: 'contacts:sync', payload: { contacts }, seq: change.seq });
        break;
      }
      case 'device:linked':
        if (change.entityId)
          events.push({ name: 'device:linked', payload: { deviceId: change.entityId }, seq: change.seq });
        break;
      case 'device:revoked':
        if (change.entityId)
          events.push({ name: 'device:revoked', payload: { deviceId: change.entityId }, seq: change.seq });
        break;
    }
  }
  return events;
}
