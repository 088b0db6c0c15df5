import { useEffect, useRef, useState } from 'react';
import { attachmentActions } from '../state/attachments';
import { blobTransport } from '../state/blob-transport';
import { useSignedIn } from '../state/session';
import { PaperclipIcon } from './icons';

/**
 * The paperclip beside the message box: a sheet with Take photo (the camera: `capture`), Photo (the
 * gallery) and File (any file). Each picked file is encrypted here and sent as its own message; the
 * browser hands over the bytes, never a path.
 */
export function AttachMenu({
  chatId,
  disabled,
  onError,
}: {
  chatId: string;
  disabled: boolean;
  onError: (message: string | null) => void;
}) {
  const { client, session } = useSignedIn();
  const [open, setOpen] = useState(false);
  const sheet = useRef<HTMLDialogElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const gallery = useRef<HTMLInputElement>(null);
  const anyFile = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const dialog = sheet.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  function picked(input: HTMLInputElement) {
    const files = [...(input.files ?? [])];
    input.value = '';
    setOpen(false);
    if (files.length === 0) return;
    onError(null);
    void attachmentActions.sendFiles(client, session, blobTransport(client), chatId, files, onError);
  }

  function choose(input: HTMLInputElement | null) {
    setOpen(false);
    input?.click();
  }

  return (
    <>
      <input
        ref={camera}
        type="file"
        accept="image/*"
        capture="environment"
        hidden
        aria-label="Photo from the camera"
        onChange={(e) => picked(e.currentTarget)}
      />
      <input
        ref={gallery}
        type="file"
        accept="image/*"
        multiple
        hidden
        aria-label="Photos to send"
        onChange={(e) => picked(e.currentTarget)}
      />
      <input
        ref={anyFile}
        type="file"
        multiple
        hidden
        aria-label="Files to send"
        onChange={(e) => picked(e.currentTarget)}
      />
      <button
        type="button"
        className="attach-button"
        aria-label="Attach a photo or file"
        aria-haspopup="dialog"
        disabled={disabled}
        onClick={() => setOpen(true)}
      >
        <PaperclipIcon />
      </button>
      <dialog
        ref={sheet}
        className="sheet action-sheet"
        aria-label="Attach"
        onCancel={(event) => {
          event.preventDefault();
          setOpen(false);
        }}
      >
        <div className="action-list">
          <button type="button" className="button secondary block" onClick={() => choose(camera.current)}>
            Take photo
          </button>
          <button type="button" className="button secondary block" onClick={() => choose(gallery.current)}>
            Photo
          </button>
          <button type="button" className="button secondary block" onClick={() => choose(anyFile.current)}>
            File
          </button>
          <button type="button" className="button secondary block" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
