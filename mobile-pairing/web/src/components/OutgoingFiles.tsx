import { attachmentActions, useAttachments } from '../state/attachments';

const PHASES = { preparing: 'Preparing', uploading: 'Encrypting and uploading', sending: 'Sending' } as const;

/** Files of this chat on their way out, at the end of the conversation, with their progress and Cancel. */
export function OutgoingFiles({ chatId }: { chatId: string }) {
  // The whole list is selected (a stable reference): filtering in the selector would re-render forever.
  const outgoing = useAttachments((s) => s.outgoing).filter((f) => f.chatId === chatId);
  return outgoing.map((f) => (
    <li key={f.localId} className="bubble-row mine outgoing-file" aria-label={`Sending ${f.name}`}>
      <div className="outgoing-card">
        <span className="attachment-name">{f.name}</span>
        <span className="attachment-size">{PHASES[f.phase]}</span>
        <progress max={100} value={f.percent} aria-label={`Uploading ${f.name}`} />
        <button type="button" className="button secondary small" onClick={() => attachmentActions.cancel(f.localId)}>
          Cancel
        </button>
      </div>
    </li>
  ));
}
