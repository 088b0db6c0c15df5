import { useState } from 'react';
import type { MoreChatEntry } from '../../../../../common/contract/ipc';
import { formatWhen, initials } from '../format';
import { actions } from '../state/app-store';
import { call } from '../symc';

interface MoreChatsState {
  readonly chats: readonly MoreChatEntry[];
  readonly nextAfter: string | null;
  readonly loaded: boolean;
  readonly busy: boolean;
  readonly error: string | null;
}

/**
 * "More chats" at the end of the list: the account's chats that are not on this desktop (beyond the ones
 * the first sync brought, or evicted to stay within the storage budget), read from the server a page at a
 * time on demand. Opening one takes it onto this desktop with its history (docs/SYNC.md).
 */
export function MoreChats({ known }: { known: ReadonlySet<string> }) {
  const [state, setState] = useState<MoreChatsState>({
    chats: [],
    nextAfter: null,
    loaded: false,
    busy: false,
    error: null,
  });
  const load = async () => {
    setState((s) => ({ ...s, busy: true, error: null }));
    try {
      const page = await call('listMoreChats', state.nextAfter ? { after: state.nextAfter } : {});
      setState((s) => ({
        chats: [...s.chats, ...page.chats.filter((c) => !s.chats.some((o) => o.chatId === c.chatId))],
        nextAfter: page.nextAfter,
        loaded: true,
        busy: false,
        error: null,
      }));
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error: (error as Error).message }));
    }
  };
  const open = async (chatId: string) => {
    try {
      await actions.openChat(chatId);
    } catch (error) {
      setState((s) => ({ ...s, error: (error as Error).message }));
    }
  };
  const visible = state.chats.filter((c) => !known.has(c.chatId));
  return (
    <section className="more-chats" aria-label="More chats">
      {visible.length > 0 && (
        <ul className="chat-list" aria-label="Chats on the server">
          {visible.map((chat) => {
            const title = chat.title ?? 'Encrypted chat';
            return (
              <li key={chat.chatId}>
                <button
                  type="button"
                  className="chat-item"
                  aria-label={`${title}, not on this desktop yet`}
                  onClick={() => void open(chat.chatId)}
                >
                  <span className="avatar" aria-hidden="true">
                    {initials(title)}
                  </span>
                  <span className="chat-item-body">
                    <span className="chat-item-top">
                      <span className="chat-title">{title}</span>
                      <time className="muted small">{formatWhen(Date.parse(chat.updatedAt))}</time>
                    </span>
                    <span className="chat-item-bottom">
                      <span className="preview">On the server · opens with its history</span>
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {(!state.loaded || state.nextAfter !== null) && (
        <button type="button" className="ghost" disabled={state.busy} onClick={() => void load()}>
          {state.busy ? 'Loading…' : 'More chats'}
        </button>
      )}
      {state.loaded && state.nextAfter === null && visible.length === 0 && (
        <p className="muted small">Every chat of your account is on this desktop.</p>
      )}
      {state.error && (
        <p role="alert" className="small error">
          {state.error}
        </p>
      )}
    </section>
  );
}
