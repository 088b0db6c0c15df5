import { useState } from 'react';
import type { SessionEndView } from '../../../../../common/contract/ipc';
import { actions } from '../state/app-store';

/** What each end means for the user; every one of them is fixed the same way: link again with the QR below. */
const TEXT: Record<SessionEndView['reason'], { title: string; detail: string }> = {
  expired: {
    title: 'Signed out after 30 days without use',
    detail:
      'This desktop was signed out after 30 days without use, and its local data was deleted. Scan the code below with your phone to link it again.',
  },
  revoked: {
    title: 'Unlinked from your phone',
    detail: 'This desktop was unlinked from your phone. Its local data was deleted.',
  },
  ended: {
    title: 'Session ended',
    detail:
      'This desktop’s session was ended by the server: it was signed out, or stopped because its sign-in was used from two places. Its local data was deleted. Scan the code below to link it again.',
  },
};

/** An expiry keeps the history on this desktop (encrypted, unreadable until linked again). */
const KEPT =
  'This desktop was signed out after 30 days without use. Its chats are still here, encrypted: link it again with the same account and it keeps them and downloads only what changed. Linking another account erases them first.';

/**
 * Why this desktop is back at its QR code, when it didn't sign out itself (not the same as being offline).
 * After an expiry it still holds its history: linking again (the QR below) keeps it; signing out erases it.
 */
export function SessionEndNotice({ end, keptHistory }: { end: SessionEndView; keptHistory: boolean }) {
  const text = TEXT[end.reason];
  const [erasing, setErasing] = useState(false);
  return (
    <section className="notice session-end" role="status" aria-label="Why this desktop was signed out">
      <h2>{text.title}</h2>
      <p>{keptHistory ? KEPT : text.detail}</p>
      <p className="muted small">Noticed {new Date(end.at).toLocaleString()}.</p>
      {keptHistory && (
        <div className="session-end-choices" role="group" aria-label="Link again or sign out">
          <button type="button" className="primary" onClick={() => void actions.startPairing()}>
            Link again (keep this desktop’s history)
          </button>
          <button
            type="button"
            className="danger"
            disabled={erasing}
            onClick={() => {
              setErasing(true);
              void actions.eraseKeptHistory().finally(() => setErasing(false));
            }}
          >
            Sign out and erase this desktop’s history
          </button>
        </div>
      )}
    </section>
  );
}
