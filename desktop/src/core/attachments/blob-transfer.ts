import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Upload } from 'tus-js-client';
import { ATTACHMENT_ID_METADATA_KEY, ATTACHMENTS_PATH, attachmentUrl, ErrorBody } from '../../../../common/contract';

export interface TransferProgress {
  readonly done: number;
  readonly total: number;
}

export interface TransferOptions {
  readonly baseUrl: string;
  /** The current access token (read before every request: it may be refreshed meanwhile). */
  readonly accessToken: () => string | null;
  readonly onProgress?: (progress: TransferProgress) => void;
  /** Pauses between retries after a dropped connection (ms). Each retry resumes where the server stopped. */
  readonly retryDelays?: readonly number[];
}

/** A transfer the server refused (4xx/5xx with our JSON error), as opposed to a dropped connection. */
export class AttachmentTransferError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AttachmentTransferError';
  }
}

const DEFAULT_RETRY_DELAYS = [0, 250, 1000, 3000, 5000];
/** Bytes per PATCH: a cut costs at most what the server had not stored of the current request. */
const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

function authHeaders(options: TransferOptions): Record<string, string> {
  const token = options.accessToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** What `uploadBlob` may be told besides where to send. */
export interface UploadOptions {
  /** The tus upload URL of an earlier attempt (even from an earlier run): HEAD asks the offset, the rest follows. */
  readonly resumeUrl?: string | undefined;
  /** Called once the server created the upload, with its URL (to keep for a resume after a restart). */
  readonly onUrl?: (url: string) => void;
  /** Aborts the upload (the request in flight is dropped; the upload on the server stays, for the caller). */
  readonly signal?: AbortSignal;
}

/**
 * Uploads the blob file at `blobPath` under `attachmentId` with tus: a dropped connection resumes at the
 * server's offset (HEAD) instead of starting over; only the bytes the server had not stored are sent again.
 * The file is read from disk at any offset, so memory stays at one request's buffer.
 *
 * A forged `Location` can't send the blob or the access token elsewhere: an upload URL on another origin
 * than the server's is refused, and the token goes only to the server's origin.
 */
export async function uploadBlob(
  options: TransferOptions,
  attachmentId: string,
  blobPath: string,
  upload: UploadOptions = {},
): Promise<{ readonly url: string }> {
  const size = (await fsp.stat(blobPath)).size;
  const origin = new URL(options.baseUrl).origin;
  const file = fs.createReadStream(blobPath);
  try {
    return await new Promise((resolve, reject) => {
      if (upload.signal?.aborted) return reject(abortError());
      const onAbort = () => {
        void tus.abort(false);
        reject(abortError());
      };
      upload.signal?.addEventListener('abort', onAbort, { once: true });
      const tus: Upload = new Upload(file, {
        endpoint: `${options.baseUrl.replace(/\/$/, '')}${ATTACHMENTS_PATH}`,
        ...(upload.resumeUrl ? { uploadUrl: upload.resumeUrl } : {}),
        uploadSize: size,
        chunkSize: UPLOAD_CHUNK_BYTES,
        metadata: { [ATTACHMENT_ID_METADATA_KEY]: attachmentId },
        retryDelays: [...(options.retryDelays ?? DEFAULT_RETRY_DELAYS)],
        storeFingerprintForResuming: false,
        removeFingerprintOnSuccess: true,
        onBeforeRequest(req) {
          if (new URL(req.getURL()).origin !== origin) return;
          for (const [name, value] of Object.entries(authHeaders(options))) req.setHeader(name, value);
        },
        onUploadUrlAvailable() {
          const url = tus.url ?? '';
          if (new URL(url, options.baseUrl).origin !== origin) {
            void tus.abort(false);
            reject(new AttachmentTransferError(502, 'internal', 'the server named an upload address elsewhere'));
            return;
          }
          upload.onUrl?.(url);
        },
        // Our refusals (4xx except 409/423 offset races) are final; only network failures and 5xx are retried.
        onShouldRetry(error) {
          const status = error.originalResponse?.getStatus() ?? 0;
          return status === 0 || status >= 500 || status === 409 || status === 423;
        },
        onProgress(done, total) {
          options.onProgress?.({ done, total });
        },
        onError(error) {
          upload.signal?.removeEventListener('abort', onAbort);
          const response = (error as { originalResponse?: { getStatus(): number; getBody(): string } | null })
            .originalResponse;
          if (response) reject(refusal(response.getStatus(), response.getBody()));
          else reject(error);
        },
        onSuccess() {
          upload.signal?.removeEventListener('abort', onAbort);
          resolve({ url: tus.url ?? attachmentUrl(options.baseUrl, attachmentId) });
        },
      });
      tus.start();
    });
  } finally {
    file.destroy();
  }
}

function abortError(): Error {
  return Object.assign(new Error('the upload was cancelled'), { name: 'AbortError' });
}

/**
 * Drops an upload the sender abandoned (tus termination). Best effort: offline, or refused (a blob a
 * message names already), the server's collector removes what no message names after its TTL.
 */
export async function terminateUpload(options: TransferOptions, url: string): Promise<boolean> {
  if (new URL(url, options.baseUrl).origin !== new URL(options.baseUrl).origin) return false;
  try {
    const response = await fetch(new URL(url, options.baseUrl), {
      method: 'DELETE',
      headers: { ...authHeaders(options), 'tus-resumable': '1.0.0' },
    });
    return response.ok;
  } catch {
    return false;
  }
}

function refusal(status: number, body: string): AttachmentTransferError {
  let parsed: ErrorBody | null;
  try {
    const result = ErrorBody.safeParse(JSON.parse(body));
    parsed = result.success ? result.data : null;
  } catch {
    parsed = null;
  }
  return new AttachmentTransferError(
    status,
    parsed?.error.code ?? 'internal',
    parsed?.error.message ?? `the server answered ${status}`,
  );
}

/**
 * Downloads the blob into `blobPath`, appending: a file already partly there (a cut download, even one
 * from an earlier run) continues with `Range: bytes=<its length>-`. Returns when the file has `expectedBytes`.
 * Bytes are not checked here (the server is not trusted): opening the blob authenticates every chunk.
 */
export async function downloadBlob(
  options: TransferOptions,
  attachmentId: string,
  blobPath: string,
  expectedBytes: number,
): Promise<void> {
  const delays = options.retryDelays ?? DEFAULT_RETRY_DELAYS;
  for (let attempt = 0; ; attempt++) {
    const have = await fsp.stat(blobPath).then(
      (s) => s.size,
      () => 0,
    );
    if (have > expectedBytes) {
      // Longer than the message says: not ours to keep. Start over (a server that keeps doing it is refused).
      await fsp.rm(blobPath, { force: true });
      if (attempt >= delays.length) throw new AttachmentTransferError(502, 'internal', 'the server sent a longer blob');
      continue;
    }
    if (have === expectedBytes) return;
    options.onProgress?.({ done: have, total: expectedBytes });
    try {
      const response = await fetch(attachmentUrl(options.baseUrl, attachmentId), {
        headers: { ...authHeaders(options), ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
      });
      if (!response.ok) throw refusal(response.status, await response.text());
      if (have > 0 && response.status !== 206)
        throw new AttachmentTransferError(502, 'internal', 'the server ignored the range');
      if (!response.body) throw new Error('the download has no body');
      let done = have;
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      body.on('data', (piece: Buffer) => {
        done += piece.length;
        options.onProgress?.({ done, total: expectedBytes });
      });
      await pipeline(body, fs.createWriteStream(blobPath, { flags: 'a' }));
    } catch (error) {
      if (error instanceof AttachmentTransferError && error.status < 500) throw error;
      if (attempt >= delays.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }
}
