import { useEffect, useState } from 'react';
import {
  compareScannedSafetyNumber,
  safetyNumberGroups,
  safetyNumberQrText,
} from '../../../../common/trust/safety-number';
import { explainError } from '../../../src/core/explain-error';
import { AppBar, Notice, Spinner } from '../components/chrome';
import { QrCodeSvg } from '../components/QrCodeSvg';
import { QrScanner } from '../components/QrScanner';
import { useSignedIn } from '../state/session';
import { safetyNumberWith, trustFor, useTrust } from '../state/trust';

const isSafetyNumberCode = (text: string) => compareScannedSafetyNumber(text, '0'.repeat(60)) !== 'not-a-safety-number';

/**
 * The safety number with one contact: 60 digits and a QR. Compare the digits with theirs, or scan the QR on
 * their screen; after that, mark them verified (synced to every device of the user). A pending key change is
 * reviewed and acknowledged here.
 */
export function SafetyNumberScreen({ userId }: { userId: string }) {
  const { client, session } = useSignedIn();
  const contacts = useTrust((s) => s.contacts);
  useTrust((s) => s.revision);
  const [scanning, setScanning] = useState(false);
  const [scan, setScan] = useState<'match' | 'mismatch' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    trustFor(client, session).catch((e: unknown) => setError(explainError(e)));
  }, [client, session]);

  const pin = contacts?.pin(userId) ?? null;
  const digits = contacts ? safetyNumberWith(session, contacts, userId) : null;

  async function run(task: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await task();
    } catch (e) {
      setError(explainError(e));
    } finally {
      setBusy(false);
    }
  }

  if (!contacts) return <Spinner label="Opening your contacts…" />;
  if (!pin || !digits) {
    return (
      <>
        <AppBar title="Safety number" back={{ name: 'chats' }} />
        <main className="content padded">
          <Notice kind="error">This phone has no keys for this contact yet. Open a chat with them first.</Notice>
        </main>
      </>
    );
  }
  return (
    <>
      <AppBar title={`Safety number with ${pin.username}`} back={{ name: 'chats' }} />
      <main className="content padded safety">
        {pin.pendingChange && (
          <div className="notice notice-error" role="alert">
            <p>
              <strong>{pin.username}’s safety number changed.</strong> The server now presents other keys for them. If
              they did not reinstall or reset their account, someone may be in the middle. The number below is the one
              you had.
            </p>
            <button
              type="button"
              className="button secondary small"
              disabled={busy}
              onClick={() => void run(() => contacts.acknowledge(userId, pin.pendingChange!.identityPublicKey))}
            >
              Acknowledge the new safety number
            </button>{' '}
            <button
              type="button"
              className="button secondary small"
              disabled={busy}
              onClick={() => void run(() => contacts.keepPinned(userId, pin.pendingChange!.identityPublicKey))}
            >
              Keep the keys I had
            </button>
          </div>
        )}
        <p className="muted">
          Compare these digits with the ones {pin.username} sees, or scan the code on their screen.
        </p>
        <div className="safety-digits" aria-label="Safety number" data-digits={digits}>
          {safetyNumberGroups(digits).map((g, i) => (
            <span key={i}>{g}</span>
          ))}
        </div>
        <QrCodeSvg
          className="safety-qr"
          text={safetyNumberQrText(digits)}
          label={`QR code of the safety number with ${pin.username}`}
        />
        {scan === 'match' && <Notice kind="success">The codes match: these are {pin.username}’s keys.</Notice>}
        {scan === 'mismatch' && (
          <Notice kind="error">
            The codes do not match. Do not mark {pin.username} verified: one of you holds keys that aren’t the other’s.
          </Notice>
        )}
        {error && <Notice kind="error">{error}</Notice>}
        {scanning ? (
          <QrScanner
            accepts={isSafetyNumberCode}
            wrongCodeHint="That QR code is not a Symc safety number. Point the camera at the code on their screen."
            onScanned={(text) => {
              setScanning(false);
              setScan(compareScannedSafetyNumber(text, digits) === 'match' ? 'match' : 'mismatch');
            }}
            onCancel={() => setScanning(false)}
          />
        ) : (
          <button type="button" className="button secondary block" onClick={() => setScanning(true)}>
            Scan their code
          </button>
        )}
        <label className="safety-verified">
          <input
            type="checkbox"
            checked={pin.verified}
            disabled={busy || pin.pendingChange !== null}
            onChange={(e) => void run(() => contacts.setVerified(userId, pin.identityPublicKey, e.target.checked))}
          />
          Verified — I compared the safety number with {pin.username}
        </label>
      </main>
    </>
  );
}
