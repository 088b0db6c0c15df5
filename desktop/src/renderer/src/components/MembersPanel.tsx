import { useEffect, useState } from 'react';
import { groupActions, type MemberView, useGroups } from '../state/group-store';

function memberState(m: MemberView): string {
  if (m.you) return 'you';
  if (m.unverified) return 'not added by any member — the server lists them';
  if (m.changed) return 'safety number changed';
  if (m.verified) return 'verified';
  return 'not verified';
}

/**
 * The open chat's members: their safety-number state, and rename, add, remove, leave. Every change makes a
 * new key version on the spot (docs/GROUPS.md); a refusal is shown as the sentence the app gave.
 */
export function MembersPanel({ chatId, title }: { chatId: string; title: string }) {
  const { membersChatId, members, busy, error } = useGroups();
  const [name, setName] = useState(title);
  const [adding, setAdding] = useState('');
  const [confirmLeave, setConfirmLeave] = useState(false);
  useEffect(() => setName(title), [title]);
  if (membersChatId !== chatId) return null;
  return (
    <aside className="members-panel" aria-labelledby="members-title">
      <div className="dialog-header">
        <h3 id="members-title">Members</h3>
        <button type="button" className="ghost" onClick={() => groupActions.closeMembers()}>
          Close
        </button>
      </div>
      {error && (
        <p className="group-error" role="alert">
          {error}
        </p>
      )}
      {members === null ? (
        <p className="muted small">Loading…</p>
      ) : (
        <ul className="member-list" aria-label="Members">
          {members.map((m) => (
            <li key={m.userId} className={m.unverified || m.changed ? 'member warn' : 'member'}>
              <span className="member-name">{m.username ?? 'Unknown user'}</span>
              <span className="muted small member-state">{memberState(m)}</span>
              {!m.you && m.username && (
                <button type="button" className="ghost small" onClick={() => groupActions.showSafetyNumber(m.userId)}>
                  Safety number
                </button>
              )}
              {!m.you && (
                <button
                  type="button"
                  className="ghost small"
                  disabled={busy}
                  aria-label={`Remove ${m.username ?? 'this member'}`}
                  onClick={() => void groupActions.remove(chatId, m.userId)}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        className="member-form"
        onSubmit={(e) => {
          e.preventDefault();
          void groupActions.add(chatId, adding).then((ok) => ok && setAdding(''));
        }}
      >
        <label>
          Add people
          <input
            name="add-usernames"
            value={adding}
            placeholder="sam, kim"
            autoComplete="off"
            onChange={(e) => setAdding(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Add
        </button>
      </form>
      <form
        className="member-form"
        onSubmit={(e) => {
          e.preventDefault();
          void groupActions.rename(chatId, name);
        }}
      >
        <label>
          Chat name
          <input name="chat-name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Rename
        </button>
      </form>
      {confirmLeave ? (
        <div className="leave-confirm" role="group" aria-label="Leave this chat">
          <p className="small">Its messages leave your devices, and you will read nothing sent after.</p>
          <button type="button" className="danger" disabled={busy} onClick={() => void groupActions.leave(chatId)}>
            Leave for good
          </button>
          <button type="button" className="ghost" onClick={() => setConfirmLeave(false)}>
            Stay
          </button>
        </div>
      ) : (
        <button type="button" className="danger leave-chat" disabled={busy} onClick={() => setConfirmLeave(true)}>
          Leave chat
        </button>
      )}
    </aside>
  );
}
