import { useEffect, useRef, useState } from 'react';
import { groupActions, splitUsernames, useGroups } from '../state/group-store';

/**
 * "New chat": one username starts a chat with that person; several start a group, which needs a name
 * (everyone in it sees it; it is encrypted like the messages). Usernames are matched exactly.
 */
export function NewChatDialog() {
  const { newChatOpen, busy, error } = useGroups();
  const [usernames, setUsernames] = useState('');
  const [title, setTitle] = useState('');
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (newChatOpen) {
      setUsernames('');
      setTitle('');
      first.current?.focus();
    }
  }, [newChatOpen]);
  if (!newChatOpen) return null;
  const group = splitUsernames(usernames).length > 1;
  return (
    <div className="dialog-backdrop" onClick={() => groupActions.closeNewChat()}>
      <form
        className="dialog new-chat-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="new-chat-title"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && groupActions.closeNewChat()}
        onSubmit={(e) => {
          e.preventDefault();
          void groupActions.startChat(usernames, title);
        }}
      >
        <div className="dialog-header">
          <h2 id="new-chat-title">New chat</h2>
          <button type="button" className="ghost" onClick={() => groupActions.closeNewChat()}>
            Cancel
          </button>
        </div>
        <label>
          Usernames
          <input
            ref={first}
            name="usernames"
            value={usernames}
            placeholder="sam, kim"
            autoComplete="off"
            onChange={(e) => setUsernames(e.target.value)}
          />
        </label>
        <p className="muted small">One person for a chat, several for a group. Usernames must match exactly.</p>
        <label>
          {group ? 'Group name' : 'Name (optional)'}
          <input name="title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
        </label>
        {error && (
          <p className="group-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Starting…' : group ? 'Start group' : 'Start chat'}
        </button>
      </form>
    </div>
  );
}
