import { type KeyboardEvent, useMemo, useRef, useState } from 'react';
import type { ChatListEntry } from '../../../../../common/contract/ipc';
import { formatWhen, initials } from '../format';
import { actions } from '../state/app-store';
import { PinIcon } from './icons';
import { MoreChats } from './MoreChats';

/** Arrow keys move between chats (roving focus); Enter opens. */
function moveFocus(event: KeyboardEvent<HTMLUListElement>, list: HTMLUListElement | null): void {
  if (!list || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp' && event.key !== 'Home' && event.key !== 'End'))
    return;
  const buttons = [...list.querySelectorAll<HTMLButtonElement>('button.chat-item')];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const next =
    event.key === 'Home'
      ? 0
      : event.key === 'End'
        ? buttons.length - 1
        : event.key === 'ArrowDown'
          ? Math.min(buttons.length - 1, at + 1)
          : Math.max(0, at - 1);
  buttons[next]?.focus();
  event.preventDefault();
}

/**
 * The chats, then an "Archived" section (closed until opened); a chat deleted for me is not listed until a
 * message comes after the delete (docs/MESSAGES.md "Chat preferences").
 */
export function ChatList({ chats, activeId }: { chats: ChatListEntry[]; activeId: string | null }) {
  const [showArchived, setShowArchived] = useState(false);
  const listed = chats.filter((c) => !c.deletedForMe);
  const main = listed.filter((c) => !c.archived);
  const archived = listed.filter((c) => c.archived);
  const known = useMemo(() => new Set(chats.map((c) => c.chatId)), [chats]);
  if (listed.length === 0)
    return (
      <>
        <p className="empty muted">No chats on this desktop yet.</p>
        <MoreChats known={known} />
      </>
    );
  return (
    <>
      <ChatItems chats={main} activeId={activeId} label="Chats" />
      {archived.length > 0 && (
        <button
          type="button"
          className="ghost archived-toggle"
          aria-expanded={showArchived}
          onClick={() => setShowArchived((v) => !v)}
        >
          Archived ({archived.length})
        </button>
      )}
      {showArchived && archived.length > 0 && <ChatItems chats={archived} activeId={activeId} label="Archived chats" />}
      <MoreChats known={known} />
    </>
  );
}

function ChatItems({ chats, activeId, label }: { chats: ChatListEntry[]; activeId: string | null; label: string }) {
  const list = useRef<HTMLUListElement>(null);
  return (
    <ul className="chat-list" aria-label={label} ref={list} onKeyDown={(e) => moveFocus(e, list.current)}>
      {chats.map((chat) => {
        const label = [
          chat.title,
          chat.pinned ? 'pinned' : '',
          chat.unread > 0 ? `${chat.unread} unread` : '',
          chat.hasDraft ? `draft: ${chat.draftText ?? ''}` : '',
          chat.muted ? 'muted' : '',
        ]
          .filter(Boolean)
          .join(', ');
        return (
          <li key={chat.chatId}>
            <button
              type="button"
              className={`chat-item ${chat.chatId === activeId ? 'active' : ''}`}
              aria-current={chat.chatId === activeId ? 'true' : undefined}
              aria-label={label}
              onClick={() => void actions.openChat(chat.chatId)}
            >
              <span className="avatar" aria-hidden="true">
                {initials(chat.title)}
              </span>
              <span className="chat-item-body">
                <span className="chat-item-top">
                  <span className="chat-title">
                    {chat.pinned && (
                      <span className="pin">
                        <PinIcon />{' '}
                      </span>
                    )}
                    {chat.title}
                    {chat.muted && (
                      <span className="muted small" title="Muted">
                        {' '}
                        🔕
                      </span>
                    )}
                  </span>
                  {chat.lastMessage && <time className="muted small">{formatWhen(chat.lastMessage.sentAt)}</time>}
                </span>
                <span className="chat-item-bottom">
                  <span className="preview">
                    {chat.hasDraft ? (
                      <>
                        <span className="draft-marker">Draft:</span> {chat.draftText}
                      </>
                    ) : chat.lastMessage ? (
                      <>
                        {chat.lastMessage.mine ? 'You: ' : ''}
                        {chat.lastMessage.text}
                      </>
                    ) : (
                      <span className="muted">No messages yet</span>
                    )}
                  </span>
                  {chat.unread > 0 && (
                    <span className="unread" aria-hidden="true">
                      {chat.unread}
                    </span>
                  )}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
