import { useEffect, useRef } from 'react';
import { attachmentActions, useAttachments } from '../state/attachments';

/** The image full size over the chat (decrypted and checked whole before it is shown), with Save and Close. */
export function ImageViewer() {
  const viewer = useAttachments((s) => s.viewer);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (viewer && !dialog.open) dialog.showModal();
    if (!viewer && dialog.open) dialog.close();
  }, [viewer]);
  // Leaving the chat closes it (and frees the image).
  useEffect(() => () => attachmentActions.closeViewer(), []);
  return (
    <dialog
      ref={ref}
      className="image-viewer"
      aria-label={viewer ? viewer.name : 'Image'}
      onCancel={(event) => {
        event.preventDefault();
        attachmentActions.closeViewer();
      }}
    >
      {viewer && <img src={viewer.url} alt={`${viewer.name} (full size)`} />}
      <div className="image-viewer-actions">
        <button type="button" className="button secondary" onClick={() => attachmentActions.saveViewed()}>
          Save
        </button>
        <button type="button" className="button primary" onClick={() => attachmentActions.closeViewer()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
