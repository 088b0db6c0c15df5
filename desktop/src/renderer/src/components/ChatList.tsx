import { type KeyboardEvent, useMemo, useRef } from 'react';
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

export function ChatList({ chats, activeId }: { chats: ChatListEntry[]; activeId: string | null }) {
  const list = useRef<HTMLUListElement>(null);
  const known = useMemo(() => new Set(chats.map((c) => c.chatId)), [chats]);
  if (chats.length === 0)
    return (
      <>
        <p className="empty muted">No chats on this desktop yet.</p>
        <MoreChats known={known} />
      </>
    );
  return (
    <>
      <ul className="chat-list" aria-label="Chats" ref={list} onKeyDown={(e) => moveFocus(e, list.current)}>
        {chats.map((chat) => {
          const label = [
            chat.title,
            chat.pinned ? 'pinned' : '',
            chat.unread > 0 ? `${chat.unread} unread` : '',
            chat.hasDraft ? `draft: ${chat.draftText ?? ''}` : '',
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
      <MoreChats known={known} />
    </>
  );
}
