import { useEffect, useMemo, useState } from 'react';
import type { AttachmentRef } from '../../../../common/content';
import { formatFileSize, isViewableImage, thumbnailOf } from '../../../src/core/attachments/file-messages';
import type { ShownMessage } from '../../../src/core/conversations';
import { attachmentActions, useAttachments } from '../state/attachments';
import { blobTransport } from '../state/blob-transport';
import { useSignedIn } from '../state/session';

/** A message's files: images inline from their thumbnail (full size on tap), other files as a row with Download. */
export function AttachmentList({ message, files }: { message: ShownMessage; files: readonly AttachmentRef[] }) {
  return (
    <ul className="attachments" aria-label="Files">
      {files.map((file) => (
        <Attachment key={file.id} message={message} file={file} />
      ))}
    </ul>
  );
}

/**
 * The thumbnail as a blob: URL while it is shown — only when it passes the same check the sender's does
 * (thumbnailOf); the URL is revoked when it goes.
 */
function useThumbnailUrl(file: AttachmentRef): string | null {
  const [url, setUrl] = useState<string | null>(null);
  const thumbnail = file.image?.thumbnail;
  const thumbnailMime = file.image?.thumbnailMime;
  useEffect(() => {
    const checked = thumbnailOf(file);
    if (!checked) {
      setUrl(null);
      return;
    }
    const made = URL.createObjectURL(new Blob([checked.bytes as BlobPart], { type: checked.mime }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
    // The file's thumbnail fields are what matters; the ref object itself is new on every refresh.
  }, [file.id, thumbnail, thumbnailMime]);
  return url;
}

function Attachment({ message, file }: { message: ShownMessage; file: AttachmentRef }) {
  const { client } = useSignedIn();
  const transport = useMemo(() => blobTransport(client), [client]);
  const opening = useAttachments((s) => s.opening[file.id]);
  const thumbnail = useThumbnailUrl(file);
  const { chatId, messageId } = message.record;
  const busy = opening?.state === 'downloading';
  const problem = opening && opening.state !== 'downloading' ? opening : null;
  const viewable = isViewableImage(file);
  const view = () => void attachmentActions.view(transport, chatId, messageId, file);
  const download = () => void attachmentActions.download(transport, chatId, messageId, file);
  return (
    <li className="attachment" data-state={opening?.state ?? 'remote'}>
      {thumbnail && file.image && (
        <button
          type="button"
          className="attachment-image"
          aria-label={`Show ${file.name} full size`}
          disabled={busy}
          onClick={viewable ? view : download}
        >
          <img
            src={thumbnail}
            alt={file.name}
            width={Math.min(240, file.image.width)}
            style={{ aspectRatio: `${file.image.width} / ${file.image.height}` }}
          />
        </button>
      )}
      <div className="attachment-row">
        <span className="attachment-name" title={file.name}>
          {file.name}
        </span>
        <span className="attachment-size">{formatFileSize(file.size)}</span>
        {problem?.state === 'damaged' && (
          <span className="attachment-damaged" title="This file is not the one its sender sent (changed or cut short).">
            damaged
          </span>
        )}
        {!busy && viewable && !thumbnail && (
          <button type="button" className="button secondary small" onClick={view}>
            Open
          </button>
        )}
        {!busy && (
          <button type="button" className="button secondary small" onClick={download}>
            {problem ? 'Try again' : viewable ? 'Save' : 'Download'}
          </button>
        )}
      </div>
      {busy && <progress max={100} value={opening.percent} aria-label={`Downloading ${file.name}`} />}
      {problem && (
        <p className="attachment-problem" role="alert">
          {problem.message}
        </p>
      )}
    </li>
  );
}
