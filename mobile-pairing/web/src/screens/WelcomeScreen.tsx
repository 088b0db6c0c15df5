import { type FormEvent, useState } from 'react';
import { explainError } from '../../../src/core/explain-error';
import { Notice, Spinner } from '../components/chrome';
import { LockIcon } from '../components/icons';
import { useSession } from '../state/session';

type Mode = 'sign-in' | 'sign-up';
const MIN_PASSWORD = 8;

export function WelcomeScreen() {
  const [mode, setMode] = useState<Mode>('sign-up');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const notice = useSession((s) => (s.state.status === 'signed-out' ? s.state.notice : null));
  const persistent = useSession((s) => s.persistent);
  const { signIn, signUp } = useSession.getState();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const name = username.trim().toLowerCase();
    if (mode === 'sign-up' && password.length < MIN_PASSWORD)
      return setError(`Use a password of at least ${MIN_PASSWORD} characters.`);
    if (mode === 'sign-up' && password !== repeat) return setError('The two passwords are not the same.');
    setBusy(true);
    try {
      if (mode === 'sign-up') await signUp(name, password);
      else await signIn(name, password);
    } catch (e) {
      setError(explainError(e));
      setBusy(false);
    }
  }

  function switchTo(next: Mode) {
    setMode(next);
    setError(null);
    setRepeat('');
  }

  return (
    <main className="welcome">
      <div className="brand">
        <img src={`${import.meta.env.BASE_URL}icons/icon.svg`} alt="" width={64} height={64} />
        <h1>Symc</h1>
        <p>Private chat on your phone, linked to your desktop.</p>
      </div>

      <div className="card">
        <div className="segmented" role="group" aria-label="Account">
          <button type="button" aria-pressed={mode === 'sign-up'} onClick={() => switchTo('sign-up')} disabled={busy}>
            Create account
          </button>
          <button type="button" aria-pressed={mode === 'sign-in'} onClick={() => switchTo('sign-in')} disabled={busy}>
            Sign in
          </button>
        </div>

        {notice && <Notice kind="info">{notice}</Notice>}

        <form onSubmit={submit} className="form" aria-label={mode === 'sign-up' ? 'Create account' : 'Sign in'}>
          <label className="field">
            <span>Username</span>
            <input
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              required
              minLength={3}
              maxLength={32}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              disabled={busy}
            />
          </label>
          <label className="field">
            <span>Password</span>
            <input
              name="password"
              type="password"
              autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              disabled={busy}
            />
          </label>
          {mode === 'sign-up' && (
            <label className="field">
              <span>Repeat password</span>
              <input
                name="repeat-password"
                type="password"
                autoComplete="new-password"
                required
                value={repeat}
                onChange={(e) => setRepeat(e.target.value)}
                disabled={busy}
              />
            </label>
          )}

          {error && <Notice kind="error">{error}</Notice>}

          {busy ? (
            <Spinner label={mode === 'sign-up' ? 'Creating your keys on this phone…' : 'Unlocking your keys…'} />
          ) : (
            <button type="submit" className="button primary block">
              {mode === 'sign-up' ? 'Create account' : 'Sign in'}
            </button>
          )}
        </form>
      </div>

      <p className="fine-print">
        <LockIcon size={16} />
        <span>
          {mode === 'sign-up'
            ? 'Your keys are made on this phone. Your password never leaves it, and the server only ever stores encrypted data.'
            : 'Signing in on a new phone recovers your keys with your password, on the phone.'}
        </span>
      </p>
      {!persistent && (
        <Notice kind="info">
          This connection is not secure (no https), so this browser can’t keep your keys safely: you will sign in again
          after a reload.
        </Notice>
      )}
    </main>
  );
}
