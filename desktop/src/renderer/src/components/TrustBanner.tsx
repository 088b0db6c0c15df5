import { trustActions, useTrust } from '../state/trust-store';

/**
 * The chat's identity warnings: one line per member whose keys changed ("X's safety number changed"),
 * with the safety number and an acknowledge button; for a verified member, sending waits until then.
 * Also names each member so their safety number can be compared.
 */
export function TrustBanner() {
  const trust = useTrust((s) => s.trust);
  const error = useTrust((s) => s.error);
  if (!trust) return null;
  const changed = trust.members.filter((m) => m.changed);
  return (
    <div className="trust">
      {changed.map((m) => (
        <div key={m.userId} className="trust-warning" role="alert">
          <p>
            <strong>{m.username}'s safety number changed.</strong>{' '}
            {m.verified
              ? 'You had verified them: sending to this chat is paused until you review and acknowledge the change.'
              : 'Their keys are not the ones this account met before. Compare the safety number before trusting it.'}
          </p>
          <button type="button" className="small-button" onClick={() => void trustActions.showSafetyNumber(m.userId)}>
            Safety number
          </button>
          <button type="button" className="small-button" onClick={() => void trustActions.acknowledge(m.userId)}>
            Acknowledge
          </button>
          <button
            type="button"
            className="small-button"
            title="You compared safety numbers and the keys you had are the right ones: ignore the server's new keys"
            onClick={() => void trustActions.keepPinned(m.userId)}
          >
            Keep the keys I had
          </button>
        </div>
      ))}
      {trust.refusal && (
        <p className="trust-warning" role="alert">
          The server offered contact keys this desktop refused: {trust.refusal}
        </p>
      )}
      {error && (
        <p className="trust-warning" role="alert">
          {error}
        </p>
      )}
      {changed.length === 0 && trust.members.length > 0 && (
        <p className="trust-members small muted">
          {trust.members.map((m) => (
            <button
              key={m.userId}
              type="button"
              className="ghost small-button"
              onClick={() => void trustActions.showSafetyNumber(m.userId)}
            >
              {m.verified ? '✓ ' : ''}
              {m.username}: safety number
            </button>
          ))}
        </p>
      )}
    </div>
  );
}
