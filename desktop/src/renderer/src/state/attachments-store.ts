import { create } from 'zustand';
import {
  ATTACHMENT_PIECE_BYTES,
  type AttachmentStateView,
  type AttachmentView,
  MAX_ATTACHMENT_FILE_BYTES,
  MAX_FILES_PER_MESSAGE,
} from '../../../../../common/contract/ipc';
import { call, on, SymcError } from '../symc';
import { useApp } from './app-store';
import { makeThumbnail } from './thumbnails';

/** A file on its way out: handed to the app (encrypted as it goes), then uploaded. */
export interface OutgoingFile {
  readonly localId: string;
  readonly chatId: string;
  readonly name: string;
  readonly phase: 'encrypting' | 'uploading';
  readonly percent: number;
}

/** The file shown full size (its plaintext, in memory only while shown). */
export interface Viewer {
  readonly name: string;
  readonly url: string;
  readonly ref: AttachmentRefInput;
}

export interface AttachmentRefInput {
  readonly chatId: string;
  readonly messageId: string;
  readonly attachmentId: string;
}

interface AttachmentsState {
  /** Live states from `attachmentChanged`, newer than the message views (by attachment id). */
  readonly live: Readonly<Record<string, AttachmentStateView>>;
  readonly outgoing: readonly OutgoingFile[];
  readonly viewer: Viewer | null;
}

export const useAttachments = create<AttachmentsState>(() => ({ live: {}, outgoing: [], viewer: null }));
const set = useAttachments.setState;
const get = useAttachments.getState;

function report(error: unknown): void {
  useApp.setState({ notice: error instanceof Error ? error.message : String(error) });
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(data: string): Uint8Array {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function updateOutgoing(localId: string, patch: Partial<OutgoingFile>): void {
  set({ outgoing: get().outgoing.map((f) => (f.localId === localId ? { ...f, ...patch } : f)) });
}

/** The whole file, read back from the app in pieces (decrypted there as it is read). */
async function readFile(ref: AttachmentRefInput): Promise<Blob> {
  const opened = await call('openAttachment', { ...ref });
  const parts: Uint8Array[] = [];
  try {
    for (;;) {
      const piece = await call('readAttachment', { readerId: opened.readerId });
      parts.push(fromBase64(piece.data));
      if (piece.done) break;
    }
  } catch (error) {
    await call('closeAttachment', { readerId: opened.readerId }).catch(() => undefined);
    throw error;
  }
  return new Blob(parts as BlobPart[], { type: opened.mime || 'application/octet-stream' });
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(blob);
  });
}

let localSeq = 0;
type Thumbnail = NonNullable<Awaited<ReturnType<typeof makeThumbnail>>>;

export const attachmentActions = {
  /** Listens to progress and state changes; returns the unsubscribe. */
  connect(): () => void {
    return on('attachmentChanged', ({ attachmentId, state, percent }) =>
      set({ live: { ...get().live, [attachmentId]: { state, percent } } }),
    );
  },

  /** The view's state, or a newer one pushed since. */
  stateOf(view: AttachmentView): AttachmentStateView {
    return get().live[view.attachmentId] ?? { state: view.state, percent: view.percent };
  },

  /**
   * Files picked, dropped or pasted together go in one message (an album of images), up to
   * MAX_FILES_PER_MESSAGE a message; a file over the size limit is left out with a notice.
   */
  async sendFiles(chatId: string, files: readonly File[]): Promise<void> {
    const fitting = files.filter((file) => {
      if (file.size <= MAX_ATTACHMENT_FILE_BYTES) return true;
      report(`“${file.name}” is larger than ${MAX_ATTACHMENT_FILE_BYTES / 1024 / 1024} MB.`);
      return false;
    });
    for (let i = 0; i < fitting.length; i += MAX_FILES_PER_MESSAGE)
      await attachmentActions.sendMessage(chatId, fitting.slice(i, i + MAX_FILES_PER_MESSAGE));
  },

  async sendFile(chatId: string, file: File): Promise<void> {
    await attachmentActions.sendFiles(chatId, [file]);
  },

  /**
   * One message with these files: each is handed over in pieces (encrypted in the app as they arrive), then
   * the message is queued there and sent — or shown as waiting to send when the server can't be reached.
   */
  async sendMessage(chatId: string, files: readonly File[]): Promise<void> {
    const entries = files.map((file) => ({ file, localId: `local-${++localSeq}`, name: file.name || 'pasted-file' }));
    set({
      outgoing: [
        ...get().outgoing,
        ...entries.map(({ localId, name }) => ({ localId, chatId, name, phase: 'encrypting' as const, percent: 0 })),
      ],
    });
    const begun: string[] = [];
    const offs: Array<() => void> = [];
    try {
      let messageId: string | undefined;
      const finished: Array<{ uploadId: string; image?: Thumbnail }> = [];
      for (const { file, localId, name } of entries) {
        const image = file.type.startsWith('image/') ? await makeThumbnail(file) : null;
        const started = await call('beginAttachment', {
          chatId,
          name,
          mime: file.type.slice(0, 200),
          size: file.size,
          ...(messageId ? { messageId } : {}),
        });
        messageId = started.messageId;
        const uploadId = started.uploadId;
        begun.push(uploadId);
        offs.push(
          on('attachmentChanged', (change) => {
            if (change.attachmentId === uploadId && change.state === 'uploading')
              updateOutgoing(localId, { phase: 'uploading', percent: change.percent ?? 0 });
          }),
        );
        for (let offset = 0; offset < file.size; offset += ATTACHMENT_PIECE_BYTES) {
          const piece = new Uint8Array(await file.slice(offset, offset + ATTACHMENT_PIECE_BYTES).arrayBuffer());
          await call('appendAttachment', { uploadId, offset, data: toBase64(piece) });
          updateOutgoing(localId, { percent: Math.floor(((offset + piece.length) / Math.max(1, file.size)) * 100) });
        }
        updateOutgoing(localId, { phase: 'uploading', percent: 0 });
        finished.push({ uploadId, ...(image ? { image } : {}) });
      }
      begun.length = 0; // from here the app owns them: a failure is the message's (shown on it), not a lost file
      const result = await call('finishAttachments', { text: '', files: finished });
      if (result.failed) report(`Not sent: ${result.failed}`);
      // The message itself comes with messagesChanged (waiting to send when it is queued).
    } catch (error) {
      // Files handed over before the failure are dropped in the app (sealed bytes included).
      for (const uploadId of begun) await call('cancelAttachment', { uploadId }).catch(() => undefined);
      const names = entries.map((e) => `“${e.name}”`).join(', ');
      report(
        error instanceof Error ? `${names} ${entries.length > 1 ? 'were' : 'was'} not sent: ${error.message}` : error,
      );
    } finally {
      for (const off of offs) off();
      const ids = new Set(entries.map((e) => e.localId));
      set({ outgoing: get().outgoing.filter((f) => !ids.has(f.localId)) });
    }
  },

  /** Gives up on a file message still waiting to be sent (its sealed files and uploads go too). */
  async cancelMessage(chatId: string, messageId: string): Promise<void> {
    try {
      await call('cancelFileSend', { chatId, messageId });
    } catch (error) {
      report(error);
    }
  },

  async download(ref: AttachmentRefInput): Promise<void> {
    try {
      await call('downloadAttachment', { ...ref });
    } catch (error) {
      report(error);
    }
  },

  /** Full size: the image read back and shown over the chat (a file is saved instead). */
  async view(ref: AttachmentRefInput, name: string): Promise<void> {
    try {
      set({ viewer: { name, url: await dataUrl(await readFile(ref)), ref } });
    } catch (error) {
      report(error);
    }
  },

  closeViewer(): void {
    set({ viewer: null });
  },

  /** The Electron save dialog; the headless app (no dialog) downloads it through the browser instead. */
  async save(ref: AttachmentRefInput, name: string): Promise<void> {
    try {
      await call('saveAttachment', { ...ref });
      return;
    } catch (error) {
      if (!(error instanceof SymcError && error.code === 'unavailable')) return report(error);
    }
    try {
      const url = URL.createObjectURL(await readFile(ref));
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      report(error);
    }
  },
};
