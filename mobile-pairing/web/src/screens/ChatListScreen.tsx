import { useEffect, useState } from 'react';
import { explainError } from '../../../src/core/explain-error';
import { type ChatListItem, previewText } from '../../../src/core/conversations';
import { deletedForMe } from '../../../../common/content';
import { unreadForMe } from '../../../src/core/read-state';
import { type DraftSync, useDraftSync } from '../drafts';
import { AppBar, Avatar, Notice, Spinner } from '../components/chrome';
import { ChatsIcon, PlusIcon } from '../components/icons';
import { hueFor, initials, listTime } from '../format';
import { POLL_WHILE_LIVE_MS, useCoalesced, useLive, useLiveChange } from '../live/useLiveEvents';
import { useChats } from '../state/chats';
import { hrefFor } from '../state/router';
import { useSignedIn } from '../state/session';
import { usePolling } from '../usePolling';

export function ChatListScreen() {
  const { client, session } = useSignedIn();
  const list = useChats((s) => s.list);
  const prefs = useChats((s) => s.prefs);
  const [showArchived, setShowArchived] = useState(false);
  // Deleted for me: gone until a message comes after the delete. Archived: in their own section.
  const visible = (list ?? []).filter(
    (item) =>
      !deletedForMe(
        prefs[item.chat.chatId] ?? {},
        item.lastMessage ? Date.parse(item.lastMessage.record.createdAt) : null,
      ),
  );
  // Unread: the newest message is from someone else and neither my receipt nor my read marker covers it.
  const unread = (item: ChatListItem) =>
    item.lastMessage !== null && unreadForMe(item.lastMessage.record, session, prefs[item.chat.chatId] ?? {});
  const main = visible.filter((item) => !prefs[item.chat.chatId]?.archived);
  const archived = visible.filter((item) => prefs[item.chat.chatId]?.archived);
  const [error, setError] = useState<string | null>(null);
  const drafts = useDraftSync();
  // Re-render when a draft changes here or arrives from another device (the rows read it from `drafts`).
  const [, setDraftsSeen] = useState(0);
  useEffect(() => drafts.onAnyChange(() => setDraftsSeen((n) => n + 1)), [drafts]);

  const refreshList = useCoalesced(async () => {
    try {
      await Promise.all([
        useChats.getState().refreshList(client, session),
        useChats.getState().loadPrefs(client, session),
      ]);
      setError(null);
      // The senders' ticks move on to "delivered" once the messages reached this phone. Best effort.
      await useChats
        .getState()
        .deliverListed(client, session)
        .catch(() => undefined);
    } catch (e) {
      setError(explainError(e));
    }
  }, [client, session.userId]);
  // A new message moves its chat up and changes its preview; a chat change renames or adds a row.
  useLiveChange((change) => {
    if (change.kind === 'messages' || change.kind === 'chats' || change.kind === 'message-action') void refreshList();
  });
  const live = useLive((s) => s.connected);
  usePolling(
    async () => {
      await Promise.all([refreshList(), drafts.refresh().catch(() => undefined)]);
    },
    live ? POLL_WHILE_LIVE_MS : 15_000,
    [refreshList, drafts],
  );

  return (
    <>
      <AppBar
        title="Chats"
        subtitle={`@${session.username}`}
        actions={
          <a className="button primary small" href={hrefFor({ name: 'new-chat' })}>
            <PlusIcon />
            <span>New chat</span>
          </a>
        }
      />
      <main className="content">
        {error && <Notice kind="error">{error}</Notice>}
        {list === null && !error && <Spinner label="Loading your chats…" />}
        {list && main.length === 0 && archived.length === 0 && (
          <div className="empty">
            <div className="empty-icon">
              <ChatsIcon />
            </div>
            <h2>No chats yet</h2>
            <p>
              Start a conversation with someone by their username. Messages are encrypted on this phone before they are
              sent.
            </p>
            <a className="button primary" href={hrefFor({ name: 'new-chat' })}>
              Start a chat
            </a>
          </div>
        )}
        {main.length > 0 && (
          <ul className="chat-list" aria-label="Chats">
            {main.map((item) => (
              <li key={item.chat.chatId}>
                <ChatRow
                  item={item}
                  drafts={drafts}
                  muted={prefs[item.chat.chatId]?.muted === true}
                  unread={unread(item)}
                />
              </li>
            ))}
          </ul>
        )}
        {archived.length > 0 && (
          <>
            <button
              type="button"
              className="chat-list-section button secondary block"
              aria-expanded={showArchived}
              onClick={() => setShowArchived((v) => !v)}
            >
              Archived ({archived.length})
            </button>
            {showArchived && (
              <ul className="chat-list" aria-label="Archived chats">
                {archived.map((item) => (
                  <li key={item.chat.chatId}>
                    <ChatRow
                      item={item}
                      drafts={drafts}
                      muted={prefs[item.chat.chatId]?.muted === true}
                      unread={unread(item)}
                    />
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </main>
    </>
  );
}

function ChatRow({
  item,
  drafts,
  muted,
  unread,
}: {
  item: ChatListItem;
  drafts: DraftSync;
  muted: boolean;
  unread: boolean;
}) {
  const title = item.title ?? 'Unreadable chat';
  const last = item.lastMessage;
  const draft = drafts.read(item.chat.chatId);
  const text = last ? previewText(last) : null;
  const preview = last
    ? last.deleted
      ? 'This message was deleted'
      : text !== null
        ? `${last.mine ? 'You: ' : ''}${text}`
        : 'Message can’t be decrypted'
    : 'No messages yet';
  const when = last?.record.createdAt ?? item.chat.updatedAt;
  return (
    <a
      className={unread ? 'chat-row unread' : 'chat-row'}
      href={hrefFor({ name: 'chat', chatId: item.chat.chatId })}
      data-unread={unread ? 'true' : undefined}
    >
      <Avatar text={initials(title)} hue={hueFor(item.chat.chatId)} />
      <span className="chat-row-text">
        <span className="chat-row-top">
          <span className="chat-row-title">{title}</span>
          {muted && (
            <span className="chat-row-marks" aria-label="Muted" title="Muted">
              🔕
            </span>
          )}
          {unread && <span className="chat-row-unread" role="img" aria-label="Unread" title="Unread" />}
          <time dateTime={when}>{listTime(when)}</time>
        </span>
        {draft !== null ? (
          // Like the big messengers: an unsent draft replaces the preview, marked so it can't pass for a message.
          <span className="chat-row-preview">
            <span className="draft-marker">Draft:</span> {draft}
          </span>
        ) : (
          <span className={last ? 'chat-row-preview' : 'chat-row-preview muted'}>{preview}</span>
        )}
      </span>
    </a>
  );
}
