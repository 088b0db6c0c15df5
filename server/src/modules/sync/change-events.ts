import type { SyncEventName, SyncEventPayload } from '../../../../common/contract';
import type { Db } from '../../db/client';
import { listChatSummaries, loadChatSummary } from '../chats/chat-summary';
import { loadDraft } from '../drafts/draft-store';
import { toMessageRecord } from '../messages/messages.use-cases';
import { loadSettings } from '../settings/settings.use-cases';
import type { CommittedChange } from '../changes/change-log';

export type LiveEvent = {
  [N in SyncEventName]: { name: N; payload: SyncEventPayload<N>; seq: number };
}[SyncEventName];

/**
 * Turns change-log entries into stream events carrying the entity's current state. Entities are loaded
 * in bulk per page of changes; an entity that no longer exists yields no event (the seq still advances
 * the cursor because the next event's id is higher).
 */
export async function toLiveEvents(db: Db, userId: string, changes: readonly CommittedChange[]): Promise<LiveEvent[]> {
  const messageIds = changes.filter((c) => c.kind.startsWith('message:') && c.entityId).map((c) => c.entityId!);
  const messages = new Map(
    (messageIds.length ? await db.message.findMany({ where: { id: { in: [...new Set(messageIds)] } } }) : []).map((m) => [m.id, m]),
  );
  const chatIds = [...new Set(changes.filter((c) => c.kind.startsWith('chat:') && c.chatId).map((c) => c.chatId!))];
  const chats =
    chatIds.length > 3
      ? new Map((await listChatSummaries(db, userId)).map((c) => [c.chatId, c]))
      : new Map(await Promise.all(chatIds.map(async (id) => [id, await loadChatSummary(db, id, userId)] as const)));

  const events: LiveEvent[] = [];
  for (const change of changes) {
    switch (change.kind) {
      case 'message:new': {
        const m = messages.get(change.entityId ?? '');
        if (m) events.push({ name: 'message:new', payload: { message: toMessageRecord(m) }, seq: change.seq });
        break;
      }
      case 'message:status': {
        const m = messages.get(change.entityId ?? '');
        if (m) {
          events.push({
            name: 'message:status',
            payload: { chatId: m.chatId, messageId: m.id, status: toMessageRecord(m).status },
            seq: change.seq,
          });
        }
        break;
      }
      case 'chat:new':
      case 'chat:update': {
        const chat = chats.get(change.chatId ?? '');
        if (chat) events.push({ name: 'chat:update', payload: { chat }, seq: change.seq });
        break;
      }
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
      case 'device:revoked':
        if (change.entityId) events.push({ name: 'device:revoked', payload: { deviceId: change.entityId }, seq: change.seq });
        break;
    }
  }
  return events;
}
