import { useEffect, useRef, useState } from 'react';
import { groupActions, splitUsernames, useGroups } from '../state/group-store';

/**
 * "New chat": one username starts a chat with that person; several start a group, which needs a name
 * (everyone in it sees it; it is encrypted like the messages). Usernames are matched exactly. Each typed
 * person is shown with the state of their keys from this user's pins (verified, not verified, changed); a
 * changed safety number must be answered — accept the new one or keep the old keys — before starting.
 */
export function NewChatDialog() {
  const { newChatOpen, busy, error, picked, pickerError } = useGroups();
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
  useEffect(() => {
    if (!newChatOpen) return;
    const timer = setTimeout(() => void groupActions.lookUp(usernames), 300);
    return () => clearTimeout(timer);
  }, [newChatOpen, usernames]);
  if (!newChatOpen) return null;
  const group = splitUsernames(usernames).length > 1;
  // The core refuses too (the keys to seal to must be acknowledged); this says so before asking.
  const waitsForAnswer = picked.some((person) => person.state === 'changed');
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
        {picked.length > 0 && (
          <ul className="picked-people" aria-label="People in the new chat">
            {picked.map((person) => (
              <li key={person.username} className={`picked-person state-${person.state}`} data-state={person.state}>
                <span className="picked-name">{person.username}</span>
                <span className="picked-state">{person.label}</span>
                {person.state === 'changed' && person.userId && (
                  <span className="picked-actions">
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => void groupActions.answerKeyChange(person.userId!, true, usernames)}
                    >
                      Accept the new safety number
                    </button>
                    <button
                      type="button"
                      className="ghost"
                      disabled={busy}
                      onClick={() => void groupActions.answerKeyChange(person.userId!, false, usernames)}
                    >
                      Keep the old keys
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        {pickerError && (
          <p className="muted small" role="status">
            {pickerError}
          </p>
        )}
        <label>
          {group ? 'Group name' : 'Name (optional)'}
          <input name="title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
        </label>
        {error && (
          <p className="group-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || waitsForAnswer}>
          {busy ? 'Starting…' : group ? 'Start group' : 'Start chat'}
        </button>
      </form>
    </div>
  );
}
