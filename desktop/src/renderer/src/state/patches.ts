import type { ChatListEntry, MessageView } from '../../../../../common/contract/ipc';

/** The list's order, as the app service sorts it: pinned chats first, then the most recent. */
function byListOrder(a: ChatListEntry, b: ChatListEntry): number {
  return (
    Number(b.pinned) - Number(a.pinned) ||
    b.updatedAt.localeCompare(a.updatedAt) ||
    (a.chatId < b.chatId ? -1 : a.chatId > b.chatId ? 1 : 0)
  );
}

/**
 * The chat list after a chatsChanged event: the changed chats' entries replace (or join) theirs, a chat named
 * without an entry leaves the list, the rest is untouched.
 */
export function patchChatList(
  list: readonly ChatListEntry[],
  chatIds: readonly string[],
  entries: readonly ChatListEntry[],
): ChatListEntry[] {
  const changed = new Set(chatIds);
  for (const entry of entries) changed.add(entry.chatId);
  return [...list.filter((c) => !changed.has(c.chatId)), ...entries].sort(byListOrder);
}

/** Oldest first, as the store pages them: by creation time, then id. */
function byStoreOrder(a: MessageView, b: MessageView): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.messageId < b.messageId ? -1 : 1;
}

/**
 * The open chat's loaded messages after a messagesChanged event: changed ones are replaced, an id without a
 * view leaves, a new one joins in order — unless it is older than the oldest loaded message while older
 * pages remain (it belongs to a page not loaded yet, which brings it when it loads).
 */
export function patchMessages(
  messages: readonly MessageView[],
  hasMore: boolean,
  messageIds: readonly string[],
  views: readonly MessageView[],
): MessageView[] {
  const byId = new Map(views.map((v) => [v.messageId, v]));
  const gone = new Set(messageIds.filter((id) => !byId.has(id)));
  const kept = messages.filter((m) => !gone.has(m.messageId)).map((m) => byId.get(m.messageId) ?? m);
  const loaded = new Set(kept.map((m) => m.messageId));
  const oldest = kept[0];
  const added = views.filter((v) => !loaded.has(v.messageId) && (!hasMore || !oldest || byStoreOrder(v, oldest) > 0));
  return added.length === 0 ? kept : [...kept, ...added].sort(byStoreOrder);
}
