import { useEffect, useRef } from 'react';
import { trustActions, useTrust } from '../state/trust-store';

/**
 * A contact's safety number: 60 digits in 12 groups and a QR for their phone to scan. The same on both
 * sides while each holds the other's real keys; the user marks the contact verified after comparing.
 */
export function SafetyNumberDialog() {
  const safety = useTrust((s) => s.safety);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), [safety?.userId]);
  if (!safety) return null;
  const groups = safety.digits.match(/\d{5}/g) ?? [];
  return (
    <div className="dialog-backdrop" onClick={() => trustActions.closeSafetyNumber()}>
      <div
        className="dialog safety-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="safety-title"
        tabIndex={-1}
        ref={dialog}
        onClick={(e) => e.stopPropagation()}
      >
        <div className="dialog-header">
          <h2 id="safety-title">Safety number with {safety.username}</h2>
          <button type="button" className="ghost" onClick={() => trustActions.closeSafetyNumber()}>
            Close
          </button>
        </div>
        {safety.changed && (
          <p className="trust-warning" role="alert">
            {safety.username}'s safety number changed. This is the number of the keys you had; acknowledge the change in
            the chat to see the new one.
          </p>
        )}
        <p className="muted small">
          Compare these digits with the ones on {safety.username}'s phone, or let them scan the code. If they match, no
          one — not even the server — is in the middle.
        </p>
        <div className="safety-digits" aria-label="Safety number" data-digits={safety.digits}>
          {groups.map((g, i) => (
            <span key={i}>{g}</span>
          ))}
        </div>
        <img className="safety-qr" src={safety.qrImage} alt={`QR code of the safety number with ${safety.username}`} />
        <label className="safety-verified">
          <input
            type="checkbox"
            checked={safety.verified}
            disabled={safety.changed}
            onChange={(e) => void trustActions.setVerified(safety.userId, e.target.checked)}
          />
          Verified — I compared the safety number with {safety.username}
        </label>
      </div>
    </div>
  );
}
