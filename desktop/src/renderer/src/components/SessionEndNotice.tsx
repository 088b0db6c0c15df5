import type { SessionEndView } from '../../../../../common/contract/ipc';

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

/** Why this desktop is back at its QR code, when it didn't sign out itself (not the same as being offline). */
export function SessionEndNotice({ end }: { end: SessionEndView }) {
  const text = TEXT[end.reason];
  return (
    <section className="notice session-end" role="status" aria-label="Why this desktop was signed out">
      <h2>{text.title}</h2>
      <p>{text.detail}</p>
      <p className="muted small">Noticed {new Date(end.at).toLocaleString()}.</p>
    </section>
  );
}
