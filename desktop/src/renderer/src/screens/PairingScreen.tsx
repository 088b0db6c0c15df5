import { useEffect, useState } from 'react';
import type { PairingView } from '../../../../../common/contract/ipc';
import { SessionEndNotice } from '../components/SessionEndNotice';
import { actions, useApp } from '../state/app-store';

function useSecondsUntil(at: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

function Showing({ pairing }: { pairing: Extract<PairingView, { kind: 'showing' }> }) {
  const seconds = useSecondsUntil(pairing.rotatesAt);
  return (
    <div className="pairing-body">
      <figure className="qr-frame">
        <img src={pairing.qrImage} alt="Pairing QR code" width={264} height={264} />
        <figcaption className="qr-countdown" aria-live="off">
          {pairing.rotationsLeft > 0 ? `New code in ${seconds}s` : `Code expires in ${seconds}s`}
        </figcaption>
      </figure>
      <div className="pairing-steps">
        {pairing.notice && (
          <p className="notice warn" role="alert">
            {pairing.notice}
          </p>
        )}
        <ol>
          <li>
            Open Symc on your phone and choose <strong>Link desktop</strong>.
          </li>
          <li>Scan this code and approve. That’s all.</li>
        </ol>
        <section className="pairing-typed" aria-label="Link without a camera">
          <h2>No camera?</h2>
          <p>On the phone, type the pairing code, then the check code:</p>
          <dl className="pairing-codes">
            <div>
              <dt>Pairing code</dt>
              <dd>
                <code aria-label="Pairing code">{pairing.pairingCode}</code>
              </dd>
            </div>
            <div>
              <dt>Check code</dt>
              <dd>
                <output className="check-code" aria-label="Check code">
                  {pairing.checkCode}
                </output>
              </dd>
            </div>
          </dl>
          <p className="muted small">
            The check code never leaves this screen: with the wrong one, this desktop can’t open the keys.
          </p>
        </section>
        <details className="pairing-alt">
          <summary>Or paste the link on the phone</summary>
          <label className="field">
            <span>Pairing link</span>
            <input readOnly value={pairing.link} aria-label="Pairing link" onFocus={(e) => e.currentTarget.select()} />
          </label>
        </details>
      </div>
    </div>
  );
}

function Ended({ title, detail }: { title: string; detail: string }) {
  return (
    <div className="pairing-ended" role="alert">
      <h2>{title}</h2>
      <p>{detail}</p>
      <button type="button" className="primary" onClick={() => void actions.startPairing()}>
        Retry
      </button>
    </div>
  );
}

/** Link this desktop: the rotating QR, its pairing and check codes, and what to do when it runs out. */
export function PairingScreen() {
  const pairing = useApp((s) => s.pairing);
  const notice = useApp((s) => s.notice);
  const sessionEnd = useApp((s) => s.snapshot?.sessionEnd ?? null);
  const keptHistory = useApp((s) => s.snapshot?.keptHistory ?? false);
  return (
    <main className="pairing-screen" aria-labelledby="pairing-title">
      <section className="pairing-card">
        <header>
          <div className="brand-mark" aria-hidden="true">
            S
          </div>
          <h1 id="pairing-title">Link this desktop</h1>
          <p className="muted">Your chats stay end-to-end encrypted: your phone hands this desktop its keys.</p>
        </header>
        {sessionEnd && <SessionEndNotice end={sessionEnd} keptHistory={keptHistory} />}
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <div role="status" aria-live="polite" className="pairing-status">
          {pairing.kind === 'idle' || pairing.kind === 'starting' ? (
            <p className="muted">Preparing a pairing code…</p>
          ) : null}
          {pairing.kind === 'approved' || pairing.kind === 'paired' ? (
            <p className="approved">
              <span className="spinner" aria-hidden="true" /> Approved — syncing your chats…
            </p>
          ) : null}
        </div>
        {pairing.kind === 'showing' && <Showing pairing={pairing} />}
        {pairing.kind === 'timed-out' && (
          <Ended title="The code expired" detail="No phone linked this desktop in time." />
        )}
        {pairing.kind === 'denied' && <Ended title="Linking was declined" detail="Your phone declined this desktop." />}
        {pairing.kind === 'failed' && <Ended title="Linking failed" detail={pairing.message} />}
      </section>
    </main>
  );
}
