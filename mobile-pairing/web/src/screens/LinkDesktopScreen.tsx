import { type FormEvent, useEffect, useState } from 'react';
import { describePairingStatus, explainPairingError } from '../../../src/core/explain-error';
import {
  approvePairing,
  awaitPairingOutcome,
  denyPairing,
  lookupPairing,
  needsCheckCode,
  parsePairingInput,
  type PairingOutcome,
  type PendingPairing,
} from '../../../src/core/pairing';
import { AppBar, Notice, Spinner } from '../components/chrome';
import { LaptopIcon, QrIcon, ShieldIcon } from '../components/icons';
import { QrScanner } from '../components/QrScanner';
import { clockTime, platformName, relativeTime, secondsLeft } from '../format';
import { useSignedIn } from '../state/session';
import { LinkDone } from './LinkDone';

type Step =
  | { readonly kind: 'enter' }
  | { readonly kind: 'scanning' }
  | { readonly kind: 'looking-up' }
  | { readonly kind: 'confirm'; readonly pending: PendingPairing }
  | { readonly kind: 'done'; readonly outcome: 'approved' | 'unconfirmed' | 'denied'; readonly deviceName: string };

/**
 * Link a desktop: get its pairing request (camera, pasted link or typed code), show who is asking, then
 * approve or deny. A scanned or pasted QR link needs nothing more (the QR itself proves the screen); a
 * typed pairing code also needs the check code the desktop shows, which keys the PAKE the keys travel
 * under. After approving, the phone waits for the desktop to say it opened them — or that the code
 * didn't match.
 */
export function LinkDesktopScreen() {
  const { client } = useSignedIn();
  const [step, setStep] = useState<Step>({ kind: 'enter' });
  const [error, setError] = useState<string | null>(null);

  async function lookUp(text: string) {
    setError(null);
    let input;
    try {
      input = parsePairingInput(text);
    } catch (e) {
      setError(explainPairingError(e));
      setStep({ kind: 'enter' });
      return;
    }
    setStep({ kind: 'looking-up' });
    try {
      const pending = await lookupPairing(client, input);
      const unavailable = describePairingStatus(pending.info.status);
      if (unavailable) {
        setError(unavailable);
        setStep({ kind: 'enter' });
      } else {
        setStep({ kind: 'confirm', pending });
      }
    } catch (e) {
      setError(explainPairingError(e));
      setStep({ kind: 'enter' });
    }
  }

  const restart = () => {
    setError(null);
    setStep({ kind: 'enter' });
  };

  return (
    <>
      <AppBar title="Link a desktop" />
      <main className="content padded">
        {step.kind === 'enter' && (
          <EnterRequest error={error} onScan={() => setStep({ kind: 'scanning' })} onSubmit={lookUp} />
        )}
        {step.kind === 'scanning' && <QrScanner onScanned={(text) => void lookUp(text)} onCancel={restart} />}
        {step.kind === 'looking-up' && <Spinner label="Looking up the desktop…" />}
        {step.kind === 'confirm' && (
          <ConfirmRequest
            pending={step.pending}
            onDone={(outcome) => setStep({ kind: 'done', outcome, deviceName: step.pending.info.deviceName })}
            onMismatch={() => {
              setError(describePairingStatus('rejected'));
              setStep({ kind: 'enter' });
            }}
            onStartOver={restart}
          />
        )}
        {step.kind === 'done' && <LinkDone outcome={step.outcome} deviceName={step.deviceName} onAnother={restart} />}
      </main>
    </>
  );
}

function EnterRequest({
  error,
  onScan,
  onSubmit,
}: {
  error: string | null;
  onScan: () => void;
  onSubmit: (text: string) => void;
}) {
  const [text, setText] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(text);
  };
  return (
    <div className="stack">
      <section className="card intro">
        <div className="request-head">
          <div className="intro-icon">
            <LaptopIcon size={28} />
          </div>
          <h2>Use Symc on your computer</h2>
        </div>
        <ol className="steps">
          <li>Open Symc on your desktop. It shows a QR code.</li>
          <li>Scan it here (or paste its link) and approve.</li>
          <li>No camera? Type the pairing code under the QR, then the check code the desktop shows.</li>
        </ol>
        <button type="button" className="button primary block" onClick={onScan}>
          <QrIcon />
          <span>Scan QR code</span>
        </button>
      </section>

      <div className="divider" role="presentation">
        <span>or</span>
      </div>

      <form className="card form" onSubmit={submit} aria-label="Link by link or code">
        <div className="field">
          <label htmlFor="pairing-input">Pairing link or code</label>
          <input
            id="pairing-input"
            name="pairing"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            placeholder="symc://pair?… or ABCD-EFGH"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-describedby="pairing-hint"
          />
          <small id="pairing-hint" className="hint">
            The code is the 8 letters and digits under the desktop’s QR code.
          </small>
        </div>
        {error && (
          <Notice kind="error" testId="pairing-error">
            {error}
          </Notice>
        )}
        <button type="submit" className="button secondary block" disabled={text.trim() === ''}>
          Continue
        </button>
      </form>
    </div>
  );
}

interface ConfirmProps {
  readonly pending: PendingPairing;
  readonly onDone: (o: 'approved' | 'unconfirmed' | 'denied') => void;
  readonly onMismatch: () => void;
  readonly onStartOver: () => void;
}

function ConfirmRequest({ pending, onDone, onMismatch, onStartOver }: ConfirmProps) {
  const { client, session } = useSignedIn();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<'approve' | 'waiting' | 'deny' | null>(null);
  const withCode = needsCheckCode(pending);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const { info } = pending;

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const left = secondsLeft(info.expiresAt, now);
  const expired = left === 0;

  async function approve(event: FormEvent) {
    event.preventDefault();
    setBusy('approve');
    setError(null);
    let outcome: PairingOutcome;
    try {
      await approvePairing(client, session, pending, withCode ? code : undefined);
      setBusy('waiting');
      outcome = await awaitPairingOutcome(client, pending);
    } catch (e) {
      setError(explainPairingError(e));
      setBusy(null);
      return;
    }
    if (outcome === 'rejected') onMismatch();
    else onDone(outcome === 'linked' ? 'approved' : 'unconfirmed');
  }

  async function deny() {
    setBusy('deny');
    setError(null);
    try {
      await denyPairing(client, pending);
      onDone('denied');
    } catch (e) {
      setError(explainPairingError(e));
      setBusy(null);
    }
  }

  return (
    <form className="stack" onSubmit={approve} aria-label="Approve the desktop">
      <section className="card request" aria-labelledby="request-title">
        <div className="request-head">
          <div className="intro-icon">
            <LaptopIcon size={28} />
          </div>
          <div>
            <h2 id="request-title">
              Link “<span data-testid="pairing-device-name">{info.deviceName}</span>”?
            </h2>
            <p className="muted" data-testid="pairing-device-platform">
              {platformName(info.platform)} computer
            </p>
          </div>
        </div>
        <dl className="facts">
          <div>
            <dt>Asked</dt>
            <dd>
              <time dateTime={info.createdAt}>{relativeTime(info.createdAt, now)}</time>
              <span className="fact-detail">at {clockTime(info.createdAt)}</span>
            </dd>
          </div>
          <div>
            <dt>Code expires</dt>
            <dd className={left <= 10 ? 'warn' : undefined}>
              {expired ? 'expired' : `in ${left} s`}
              <span className="fact-detail">then the desktop shows a new one</span>
            </dd>
          </div>
        </dl>
        <p className="request-warning">
          <ShieldIcon size={18} />
          <span>It will be able to read all your chats. Only approve a computer you are using right now.</span>
        </p>
      </section>

      {expired ? (
        <>
          <Notice kind="error">{describePairingStatus('expired')}</Notice>
          <button type="button" className="button primary block" onClick={onStartOver}>
            Start over
          </button>
        </>
      ) : (
        <section className="card form">
          {withCode ? (
            <div className="field">
              <label htmlFor="check-code">Check code shown on the desktop</label>
              <input
                id="check-code"
                name="check-code"
                className="code-input"
                inputMode="numeric"
                autoComplete="one-time-code"
                placeholder="123 456"
                maxLength={7}
                required
                value={code}
                onChange={(e) => {
                  setCode(e.target.value);
                  setError(null);
                }}
                disabled={busy !== null}
                aria-describedby="check-code-hint"
                autoFocus
              />
              <small id="check-code-hint" className="hint">
                Six digits, shown next to the QR code. Only your computer’s screen shows them: with the wrong code the
                desktop can’t open your keys.
              </small>
            </div>
          ) : (
            <p className="hint" data-testid="scanned-hint">
              You scanned this desktop’s own QR code, so no code is needed. Approve only if it is the computer in front
              of you.
            </p>
          )}
          {error && (
            <Notice kind="error" testId="pairing-error">
              {error}
            </Notice>
          )}
          {busy === 'approve' ? (
            <Spinner
              label={
                withCode
                  ? 'Sending your keys, locked with the check code…'
                  : 'Sending your keys, sealed for this desktop…'
              }
            />
          ) : busy === 'waiting' ? (
            <Spinner label="Waiting for the desktop to open them…" />
          ) : (
            <div className="button-row">
              <button type="button" className="button secondary" onClick={deny} disabled={busy !== null}>
                Deny
              </button>
              <button type="submit" className="button primary" disabled={busy !== null}>
                Approve
              </button>
            </div>
          )}
        </section>
      )}
    </form>
  );
}
