import { type FormEvent, useEffect, useState } from 'react';
import { canStartWith, pickedStateLabel, type PickedPerson } from '../../../../common/trust/people-picker';
import { explainError } from '../../../src/core/explain-error';
import { answerKeyChange, lookUpForNewChat } from '../../../src/core/people-picker';
import { AppBar, Notice, Spinner } from '../components/chrome';
import { useChats } from '../state/chats';
import { KeyChangeUnacknowledgedError } from '../../../../common/trust/contact-book';
import { hrefFor, navigate } from '../state/router';
import { useSignedIn } from '../state/session';

/**
 * New chat: exact usernames (several start a group). Each typed person is shown with the state of their
 * keys from this account's pins — verified, not verified, or changed (the server's answer differs from the
 * pin: maybe a new phone, maybe a lying server). A changed one must be answered here (accept the new safety
 * number, or keep the old keys) before the chat can start; the core refuses it otherwise.
 */
export function NewChatScreen() {
  const { client, session } = useSignedIn();
  const [username, setUsername] = useState('');
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Contacts whose keys changed: the chat waits until the user reviewed them. */
  const [changed, setChanged] = useState<KeyChangeUnacknowledgedError['contacts']>([]);
  const [picked, setPicked] = useState<readonly PickedPerson[]>([]);
  const [lookups, setLookups] = useState(0);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      if (!username.trim()) return setPicked([]);
      lookUpForNewChat(client, session, username).then(
        (people) => current && setPicked(people),
        (e: unknown) => current && setError(explainError(e)),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, session, username, lookups]);

  async function answer(userId: string, accept: boolean) {
    setBusy(true);
    setError(null);
    try {
      await answerKeyChange(client, session, userId, accept);
      setChanged([]);
    } catch (e) {
      setError(explainError(e));
    } finally {
      setBusy(false);
      setLookups((n) => n + 1);
    }
  }
  const waitsForAnswer = picked.some((person) => person.state === 'changed');

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
          {picked.length > 0 && (
            <ul className="picked-people" aria-label="People in the new chat">
              {picked.map((person) => (
                <li key={person.username} className="picked-person" data-state={person.state}>
                  <strong>{person.username}</strong>{' '}
                  <span className={canStartWith(person) ? 'muted' : 'picked-warning'}>{pickedStateLabel(person)}</span>
                  {person.state === 'changed' && person.userId && (
                    <span className="picked-actions">
                      <button
                        type="button"
                        className="button secondary"
                        disabled={busy}
                        onClick={() => void answer(person.userId!, true)}
                      >
                        Accept the new safety number
                      </button>
                      <button
                        type="button"
                        className="button secondary"
                        disabled={busy}
                        onClick={() => void answer(person.userId!, false)}
                      >
                        Keep the old keys
                      </button>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
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
            <button type="submit" className="button primary block" disabled={waitsForAnswer}>
              Start chat
            </button>
          )}
        </form>
      </main>
    </>
  );
}
