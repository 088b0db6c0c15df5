import { create } from 'zustand';
import type { ApiClient } from '../../../../common/contract';
import type { AttachmentRef } from '../../../../common/content';
import type { PhoneSession } from '../../../src/core/account';
import { AttachmentProblem } from '../../../src/core/attachments/attachment-problem';
import type { BlobTransport } from '../../../src/core/attachments/blob-transport';
import { downloadAttachment } from '../../../src/core/attachments/blob-download';
import { isViewableImage, outgoingProblem } from '../../../src/core/attachments/file-messages';
import { explainError } from '../../../src/core/explain-error';
import { makeThumbnail } from '../attachments/thumbnail';
import { useChats } from './chats';

/** A file on its way out: its thumbnail being made, its blob uploading (sealed as it goes), its message sent. */
export interface OutgoingUpload {
  readonly localId: string;
  readonly chatId: string;
  readonly name: string;
  readonly phase: 'preparing' | 'uploading' | 'sending';
  readonly percent: number;
}

/** A received file being fetched, or why it could not be opened (by attachment id). */
export type OpenState =
  | { readonly state: 'downloading'; readonly percent: number }
  | { readonly state: 'damaged' | 'failed'; readonly message: string };

/** The image shown full size: its plaintext, in memory only while shown (a blob: URL revoked on close). */
export interface Viewer {
  readonly name: string;
  readonly url: string;
}

interface AttachmentsState {
  readonly outgoing: readonly OutgoingUpload[];
  readonly opening: Readonly<Record<string, OpenState>>;
  readonly viewer: Viewer | null;
}

export const useAttachments = create<AttachmentsState>(() => ({ outgoing: [], opening: {}, viewer: null }));
const set = useAttachments.setState;
const get = useAttachments.getState;

const controllers = new Map<string, AbortController>();
let localSeq = 0;

function patchOutgoing(localId: string, patch: Partial<OutgoingUpload>): void {
  set({ outgoing: get().outgoing.map((f) => (f.localId === localId ? { ...f, ...patch } : f)) });
}

function setOpening(attachmentId: string, state: OpenState | null): void {
  const next = { ...get().opening };
  if (state) next[attachmentId] = state;
  else delete next[attachmentId];
  set({ opening: next });
}

/** Calls `report` with whole percents only (a progress bar doesn't need a render per network chunk). */
function percentReporter(report: (percent: number) => void): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    const percent = Math.floor(fraction * 100);
    if (percent !== last) report((last = percent));
  };
}

/** The file's bytes, opened: the message's attachment fetched, checked whole, decrypted (never partly). */
async function fetchPlain(
  transport: BlobTransport,
  chatId: string,
  messageId: string,
  ref: AttachmentRef,
  type: string,
): Promise<Blob> {
  if (get().opening[ref.id]?.state === 'downloading') throw new AttachmentProblem('failed', 'Already opening.');
  setOpening(ref.id, { state: 'downloading', percent: 0 });
  try {
    const parts = await downloadAttachment(
      transport,
      ref,
      { chatId, messageId, attachmentId: ref.id },
      { onProgress: percentReporter((percent) => setOpening(ref.id, { state: 'downloading', percent })) },
    );
    setOpening(ref.id, null);
    return new Blob(parts as BlobPart[], { type });
  } catch (error) {
    const damaged = error instanceof AttachmentProblem && error.kind === 'damaged';
    setOpening(ref.id, { state: damaged ? 'damaged' : 'failed', message: explainError(error) });
    throw error;
  }
}

/** Saves through the browser's download, under the file's name. */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const attachmentActions = {
  /**
   * Sends each file as its own message, one after the other. A file that can't go is reported through
   * `onError` in words (too large, refused, quota…) and never becomes a message; the next one still goes.
   */
  async sendFiles(
    client: ApiClient,
    me: PhoneSession,
    transport: BlobTransport,
    chatId: string,
    files: readonly File[],
    onError: (message: string) => void,
  ): Promise<void> {
    for (const file of files) {
      try {
        await attachmentActions.sendFile(client, me, transport, chatId, file);
      } catch (error) {
        if (!(error instanceof AttachmentProblem && error.kind === 'cancelled'))
          onError(`“${file.name || 'The file'}” was not sent. ${explainError(error)}`);
      }
    }
  },

  async sendFile(client: ApiClient, me: PhoneSession, transport: BlobTransport, chatId: string, file: File) {
    const name = file.name || 'photo.jpg';
    const mime = file.type;
    // Too large is said before anything is read (no thumbnail is made of a file that can't go).
    const problem = outgoingProblem({ file, name, mime });
    if (problem) throw problem;
    const localId = `out-${++localSeq}`;
    const controller = new AbortController();
    controllers.set(localId, controller);
    set({ outgoing: [...get().outgoing, { localId, chatId, name, phase: 'preparing', percent: 0 }] });
    try {
      const image = mime.startsWith('image/') ? await makeThumbnail(file) : null;
      patchOutgoing(localId, { phase: 'uploading' });
      await useChats.getState().sendFile(
        client,
        me,
        transport,
        chatId,
        { file, name, mime, image },
        {
          signal: controller.signal,
          onProgress: percentReporter((percent) =>
            patchOutgoing(localId, percent === 100 ? { phase: 'sending', percent } : { percent }),
          ),
        },
      );
    } finally {
      controllers.delete(localId);
      set({ outgoing: get().outgoing.filter((f) => f.localId !== localId) });
    }
  },

  /** Stops a file on its way out: the server drops what it stored of it, and no message is sent. */
  cancel(localId: string): void {
    controllers.get(localId)?.abort();
  },

  /** Full size: an image fetched, checked and shown over the chat. */
  async view(transport: BlobTransport, chatId: string, messageId: string, ref: AttachmentRef): Promise<void> {
    if (!isViewableImage(ref)) return attachmentActions.download(transport, chatId, messageId, ref);
    const blob = await fetchPlain(transport, chatId, messageId, ref, ref.mime.toLowerCase()).catch(() => null);
    if (!blob) return;
    attachmentActions.closeViewer();
    set({ viewer: { name: ref.name, url: URL.createObjectURL(blob) } });
  },

  /**
   * A file saved through the browser under its name. The blob is typed as bytes, whatever the sender
   * said: a blob: URL opens in this app's origin, so a file claiming to be HTML must never render there.
   */
  async download(transport: BlobTransport, chatId: string, messageId: string, ref: AttachmentRef): Promise<void> {
    const blob = await fetchPlain(transport, chatId, messageId, ref, 'application/octet-stream').catch(() => null);
    if (blob) saveBlob(blob, ref.name);
  },

  /** Saves the image shown full size. */
  saveViewed(): void {
    const viewer = get().viewer;
    if (!viewer) return;
    const link = document.createElement('a');
    link.href = viewer.url;
    link.download = viewer.name;
    document.body.append(link);
    link.click();
    link.remove();
  },

  closeViewer(): void {
    const viewer = get().viewer;
    if (viewer) URL.revokeObjectURL(viewer.url);
    set({ viewer: null });
  },

  /** Signing out: uploads stop, the image shown goes, what was opened is forgotten. */
  reset(): void {
    for (const controller of controllers.values()) controller.abort();
    controllers.clear();
    attachmentActions.closeViewer();
    set({ outgoing: [], opening: {} });
  },
};
