import { useEffect, useRef } from 'react';
import type { ShownMessage } from '../../../src/core/conversations';

export type MessageActionChoice = 'reply' | 'edit' | 'delete-for-everyone' | 'delete-for-me';

/**
 * What can be done with one message (docs/MESSAGES.md): reply to any readable message; edit and delete
 * for everyone only one's own (signed by this account: the server refuses the rest anyway); delete for me
 * any message. A bottom sheet on the native <dialog>, like ConfirmDialog.
 */
export function MessageActionSheet({
  message,
  onChoose,
  onClose,
}: {
  message: ShownMessage | null;
  onChoose: (choice: MessageActionChoice, message: ShownMessage) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (message && !dialog.open) dialog.showModal();
    if (!message && dialog.open) dialog.close();
  }, [message]);

  const readable = message !== null && !message.deleted && message.body !== null;
  const own = readable && message.mine;
  const choose = (choice: MessageActionChoice) => message && onChoose(choice, message);
  return (
    <dialog
      ref={ref}
      className="sheet action-sheet"
      aria-label="Message actions"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="action-list">
        {readable && (
          <button type="button" className="button secondary block" onClick={() => choose('reply')}>
            Reply
          </button>
        )}
        {own && (
          <button type="button" className="button secondary block" onClick={() => choose('edit')}>
            Edit
          </button>
        )}
        {own && (
          <button type="button" className="button danger block" onClick={() => choose('delete-for-everyone')}>
            Delete for everyone
          </button>
        )}
        <button type="button" className="button danger block" onClick={() => choose('delete-for-me')}>
          Delete for me
        </button>
        <button type="button" className="button secondary block" onClick={onClose}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
