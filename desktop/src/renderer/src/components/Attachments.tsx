import { type ClipboardEvent, type DragEvent, useEffect, useRef, useState } from 'react';
import type { AttachmentView, MessageView } from '../../../../../common/contract/ipc';
import { formatBytes } from '../format';
import { attachmentActions, useAttachments } from '../state/attachments-store';

/**
 * A message's files: images inline from their thumbnail (full size on click; several images side by side
 * as an album), other files with Save. A file message of this desktop waiting to be sent says so, with Cancel.
 */
export function AttachmentList({ message }: { message: MessageView }) {
  const live = useAttachments((s) => s.live);
  const files = message.attachments ?? [];
  if (files.length === 0) return null;
  const images = files.filter((a) => a.image?.thumbnail).length;
  const waiting =
    message.mine &&
    message.status === 'queued' &&
    files.some((a) => ['waiting', 'uploading'].includes((live[a.attachmentId] ?? a).state));
  return (
    <>
      <ul className={`attachments${images >= 2 ? ' album' : ''}`} aria-label="Attachments">
        {files.map((a) => (
          <Attachment key={a.attachmentId} message={message} view={a} />
        ))}
      </ul>
      {waiting && (
        <div className="file-waiting" role="status">
          <span className="muted small">{message.failure ? 'Not sent' : 'Waiting to send — goes when online'}</span>
          <button
            type="button"
            className="small-button"
            onClick={() => void attachmentActions.cancelMessage(message.chatId, message.messageId)}
          >
            Cancel
          </button>
        </div>
      )}
    </>
  );
}

function Attachment({ message, view }: { message: MessageView; view: AttachmentView }) {
  const live = useAttachments((s) => s.live[view.attachmentId]);
  const { state, percent } = live ?? view;
  const ref = { chatId: message.chatId, messageId: message.messageId, attachmentId: view.attachmentId };
  const busy = state === 'downloading' || state === 'uploading';
  return (
    <li className={`attachment attachment-${state}`} data-state={state}>
      {view.image?.thumbnail ? (
        <button
          type="button"
          className="attachment-image"
          title="Show full size"
          onClick={() => void attachmentActions.view(ref, view.name)}
          disabled={state === 'damaged'}
        >
          <img
            src={view.image.thumbnail}
            alt={view.name}
            width={Math.min(240, view.image.width)}
            style={{ aspectRatio: `${view.image.width} / ${view.image.height}` }}
          />
        </button>
      ) : null}
      <div className="attachment-row">
        <span className="attachment-name" title={view.name}>
          {view.name}
        </span>
        <span className="muted small">{formatBytes(view.size)}</span>
        {state === 'damaged' && (
          <span className="badge badge-danger" title="This file is not the one its sender sent (changed or cut short).">
            damaged
          </span>
        )}
        {state === 'unavailable' && <span className="badge">unavailable</span>}
        {state === 'waiting' && (
          <span className="badge" title="Sealed on this desktop; sent once the server can be reached.">
            waiting to send
          </span>
        )}
        {state === 'remote' && !view.image?.thumbnail && (
          <button type="button" className="small-button" onClick={() => void attachmentActions.download(ref)}>
            Download
          </button>
        )}
        {!busy && (
          <button type="button" className="small-button" onClick={() => void attachmentActions.save(ref, view.name)}>
            {state === 'damaged' || state === 'unavailable' ? 'Try again' : 'Save'}
          </button>
        )}
      </div>
      {busy && (
        <progress
          max={100}
          value={percent ?? 0}
          aria-label={`${state === 'uploading' ? 'Uploading' : 'Downloading'} ${view.name}`}
        />
      )}
    </li>
  );
}

/** Files of this chat on their way out, with their progress. */
export function OutgoingFiles({ chatId }: { chatId: string }) {
  // The whole list is selected (a stable reference): filtering in the selector would re-render forever.
  const outgoing = useAttachments((s) => s.outgoing).filter((f) => f.chatId === chatId);
  if (outgoing.length === 0) return null;
  return (
    <ul className="outgoing-files" aria-label="Sending files">
      {outgoing.map((f) => (
        <li key={f.localId}>
          <span className="attachment-name">{f.name}</span>
          <span className="muted small">{f.phase === 'encrypting' ? 'Encrypting' : 'Uploading'}</span>
          <progress max={100} value={f.percent} aria-label={`Sending ${f.name}`} />
        </li>
      ))}
    </ul>
  );
}

/** The paperclip: picks files through the browser's own file picker (the app never sees a path). */
export function AttachButton({ chatId, disabled }: { chatId: string; disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label="Files to attach"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          void attachmentActions.sendFiles(chatId, files);
        }}
      />
      <button
        type="button"
        className="ghost attach-button"
        aria-label="Attach files"
        title="Attach files (or drop or paste them here)"
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        📎
      </button>
    </>
  );
}

/** Pasted files (a screenshot, a copied file) are sent; pasted text is left to the text box. */
export function pastedFiles(chatId: string, event: ClipboardEvent): void {
  const files = [...event.clipboardData.files];
  if (files.length === 0) return;
  event.preventDefault();
  void attachmentActions.sendFiles(chatId, files);
}

/** Drag-and-drop onto the chat: the handlers for its element, and whether files are over it. */
export function useFileDrop(chatId: string, enabled: boolean) {
  const [over, setOver] = useState(false);
  useEffect(() => attachmentActions.connect(), []);
  const hasFiles = (e: DragEvent) => enabled && [...e.dataTransfer.types].includes('Files');
  return {
    over,
    handlers: {
      onDragOver: (e: DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setOver(true);
      },
      onDragLeave: () => setOver(false),
      onDrop: (e: DragEvent) => {
        setOver(false);
        if (!hasFiles(e)) return;
        e.preventDefault();
        void attachmentActions.sendFiles(chatId, [...e.dataTransfer.files]);
      },
    },
  };
}

/** The full-size image over the chat, with Save; Escape or the button closes it. */
export function ImageViewer() {
  const viewer = useAttachments((s) => s.viewer);
  useEffect(() => {
    if (!viewer) return;
    const close = (e: KeyboardEvent) => e.key === 'Escape' && attachmentActions.closeViewer();
    window.addEventListener('keydown', close);
    return () => window.removeEventListener('keydown', close);
  }, [viewer]);
  if (!viewer) return null;
  return (
    <div className="image-viewer" role="dialog" aria-label={viewer.name}>
      <img src={viewer.url} alt={`${viewer.name} (full size)`} />
      <div className="image-viewer-actions">
        <button type="button" onClick={() => void attachmentActions.save(viewer.ref, viewer.name)}>
          Save
        </button>
        <button type="button" className="primary" onClick={() => attachmentActions.closeViewer()}>
          Close
        </button>
      </div>
    </div>
  );
}
