import { type FormEvent, useState } from 'react';
import { explainError } from '../../../src/core/explain-error';
import { AppBar, Notice, Spinner } from '../components/chrome';
import { useChats } from '../state/chats';
import { KeyChangeUnacknowledgedError } from '../../../../common/trust/contact-book';
import { hrefFor, navigate } from '../state/router';
import { useSignedIn } from '../state/session';

export function NewChatScreen() {
  const { client, session } = useSignedIn();
  const [username, setUsername] = useState('');
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Contacts whose keys changed: the chat waits until the user reviewed them. */
  const [changed, setChanged] = useState<KeyChangeUnacknowledgedError['contacts']>([]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setChanged([]);
    try {
      const chatId = await useChats.getState().startChat(client, session, username, title);
      navigate({ name: 'chat', chatId }, { replace: true });
    } catch (e) {
      setError(explainError(e));
      if (e instanceof KeyChangeUnacknowledgedError) setChanged(e.contacts);
      setBusy(false);
    }
  }

  return (
    <>
      <AppBar title="New chat" back={{ name: 'chats' }} />
      <main className="content padded">
        <form className="form card" onSubmit={submit} aria-label="Start a chat">
          <label className="field">
            <span>Usernames</span>
            <input
              name="username"
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              required
              placeholder="e.g. sam, or sam kim lee for a group"
              aria-describedby="usernames-hint"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              disabled={busy}
              autoFocus
            />
            <small id="usernames-hint" className="hint">
              Exact usernames. Several, separated by spaces or commas, start a group.
            </small>
          </label>
          <div className="field">
            <label htmlFor="chat-title">
              Chat title <span className="muted">(optional for two, needed for a group)</span>
            </label>
            <input
              id="chat-title"
              name="title"
              maxLength={200}
              placeholder={username.trim() ? `${session.username} & ${username.trim()}` : ''}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              disabled={busy}
              aria-describedby="chat-title-hint"
            />
            <small id="chat-title-hint" className="hint">
              Everyone in the chat sees this title. It is encrypted like the messages.
            </small>
          </div>
          {error && <Notice kind="error">{error}</Notice>}
          {changed.map((c) => (
            <a key={c.userId} className="button secondary block" href={hrefFor({ name: 'safety', userId: c.userId })}>
              Review {c.username}’s safety number
            </a>
          ))}
          {busy ? (
            <Spinner label="Starting the chat…" />
          ) : (
            <button type="submit" className="button primary block">
              Start chat
            </button>
          )}
        </form>
      </main>
    </>
  );
}
