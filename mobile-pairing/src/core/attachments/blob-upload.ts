import { type DetailedError, Upload } from 'tus-js-client';
import { ATTACHMENT_ID_METADATA_KEY, ATTACHMENTS_PATH, attachmentUrl } from '../../../../common/contract';
import { AttachmentProblem } from './attachment-problem';
import { authorization, type BlobTransport, refusal } from './blob-transport';
import type { SealingSource } from './sealing-source';

export interface UploadOptions {
  /** Fraction of the blob the server has stored, 0…1. */
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
  /** Pauses between retries after a dropped connection (ms); each retry resumes at the server's offset. */
  readonly retryDelays?: readonly number[];
}

const DEFAULT_RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000];
/**
 * Blob bytes per PATCH. A cut costs at most what the server had not stored of one request; the sealing
 * source keeps about this much ciphertext (twice, while a piece is handed out) — the phone's memory bound.
 */
export const UPLOAD_PIECE_BYTES = 4 * 1024 * 1024;

/** Marks a request refused for an expired token: the token was renewed, the request goes again. */
class TokenRenewed extends Error {}

/**
 * Uploads an attachment's blob with tus, sealing it from the file as it goes (`SealingSource`). A dropped
 * connection resumes at the offset the server reports (HEAD) — only what it had not stored is sent again.
 * The upload URL is known from the start (the server names an upload by the id the client chose), so even
 * a creation whose answer was lost resumes instead of failing on "this id exists".
 *
 * What the server says is checked where it matters: it can't claim bytes it was never sent (the upload is
 * refused), and its refusals are shown in words (413 too large, quota, …). Resolves with the blob's digest.
 */
export async function uploadSealed(
  transport: BlobTransport,
  attachmentId: string,
  source: SealingSource,
  options: UploadOptions = {},
): Promise<{ readonly digest: string }> {
  const fileReader = {
    openFile: () =>
      Promise.resolve({
        size: source.size,
        slice: (start: number, end: number) => source.slice(start, end),
        close: () => source.close(),
      }),
  };
  await new Promise<void>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new AttachmentProblem('cancelled', 'Cancelled.'));
      return;
    }
    const upload: Upload = new Upload(
      // The input is what `fileReader` opens; tus only hands it back to it.
      { read: () => Promise.reject(new Error('read through fileReader')) },
      {
        endpoint: `${transport.baseUrl.replace(/\/$/, '')}${ATTACHMENTS_PATH}`,
        uploadUrl: attachmentUrl(transport.baseUrl, attachmentId),
        uploadSize: source.size,
        chunkSize: UPLOAD_PIECE_BYTES,
        metadata: { [ATTACHMENT_ID_METADATA_KEY]: attachmentId },
        retryDelays: [...(options.retryDelays ?? DEFAULT_RETRY_DELAYS)],
        // Nothing about the upload is kept in the browser's storage (no file names, no URLs).
        storeFingerprintForResuming: false,
        removeFingerprintOnSuccess: false,
        fingerprint: () => Promise.resolve(''),
        fileReader,
        onBeforeRequest(req) {
          for (const [name, value] of Object.entries(authorization(transport))) req.setHeader(name, value);
        },
        async onAfterResponse(_req, res) {
          if (res.getStatus() !== 401) return;
          await transport.renewToken();
          throw new TokenRenewed('the access token was renewed');
        },
        // Dropped connections, 5xx, offset races (409/423) and a renewed token are retried; our refusals
        // (4xx) and problems of the file itself are final.
        onShouldRetry(error: DetailedError) {
          if (error.causingError instanceof AttachmentProblem) return false;
          const status = error.originalResponse?.getStatus() ?? 0;
          return status === 0 || status >= 500 || status === 409 || status === 423;
        },
        onProgress(done, total) {
          options.onProgress?.(total > 0 ? Math.min(1, done / total) : 0);
        },
        onError(error) {
          const detailed = error as DetailedError;
          const response = detailed.originalResponse;
          if (detailed.causingError instanceof AttachmentProblem) reject(detailed.causingError);
          else if (response && response.getStatus() >= 400)
            reject(refusal(response.getStatus(), response.getBody(), 'upload'));
          else
            reject(
              new AttachmentProblem('failed', 'The connection to the server kept failing.', {
                cause: error,
              }),
            );
        },
        onSuccess() {
          resolve();
        },
      },
    );
    options.signal?.addEventListener(
      'abort',
      () => {
        // Terminate: the server drops what it stored of this upload.
        void upload.abort(true).catch(() => undefined);
        reject(new AttachmentProblem('cancelled', 'Cancelled.'));
      },
      { once: true },
    );
    upload.start();
  });
  // Every byte the server says it stored went out from here: a server that claims the end early (its HEAD
  // says "complete" before the blob was sent) is not believed.
  const digest = source.digest;
  if (source.servedEnd < source.size || digest === null)
    throw new AttachmentProblem('refused', 'The server claimed to have the whole file before it was sent.');
  return { digest };
}

/** Gives up an upload no message names (best effort: the server collects abandoned uploads anyway). */
export async function discardUpload(transport: BlobTransport, attachmentId: string): Promise<void> {
  const doFetch = transport.fetch ?? fetch;
  await doFetch(attachmentUrl(transport.baseUrl, attachmentId), {
    method: 'DELETE',
    headers: { ...authorization(transport), 'tus-resumable': '1.0.0' },
  }).catch(() => undefined);
}
