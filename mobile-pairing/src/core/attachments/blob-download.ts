import { attachmentUrl } from '../../../../common/contract';
import type { AttachmentRef } from '../../../../common/content';
import {
  type AttachmentContext,
  CheckedAttachmentDecryptor,
  CryptoError,
  decodeAttachmentKey,
} from '../../../../common/crypto';
import { AttachmentProblem } from './attachment-problem';
import { authorization, type BlobTransport, refusal } from './blob-transport';

export interface DownloadOptions {
  /** Fraction of the blob received, 0…1. */
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
  /** Pauses between retries after a dropped connection or a 5xx (ms); each resumes where the last stopped. */
  readonly retryDelays?: readonly number[];
  /** Blob bytes asked for per request. */
  readonly rangeBytes?: number;
}

const DEFAULT_RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000];
export const DOWNLOAD_RANGE_BYTES = 4 * 1024 * 1024;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

export const DAMAGED_MESSAGE = 'This file is damaged: it is not the file its sender sent (changed or cut short).';
const CANCELLED = 'Cancelled.';

/**
 * Fetches an attachment's blob in ranges (`Range: bytes=a-b`) and decrypts it as it arrives; a dropped
 * connection resumes at the first byte not yet received. Resolves with the plaintext — in the pieces it was
 * decrypted in — only once the whole blob authenticated and its digest and size are the ones the message
 * names: a tampered, truncated or longer blob is an `AttachmentProblem('damaged')` and nothing of it is
 * returned. The server is not trusted for any of it: its Content-Range must answer the range asked for
 * and name the blob's exact length.
 */
export async function downloadAttachment(
  transport: BlobTransport,
  ref: AttachmentRef,
  context: AttachmentContext,
  options: DownloadOptions = {},
): Promise<Uint8Array[]> {
  const doFetch = transport.fetch ?? fetch;
  const delays = options.retryDelays ?? DEFAULT_RETRY_DELAYS;
  const rangeBytes = options.rangeBytes ?? DOWNLOAD_RANGE_BYTES;
  const decryptor = new CheckedAttachmentDecryptor(decodeAttachmentKey(ref.key), context, ref);
  const total = decryptor.blobBytes;
  const url = attachmentUrl(transport.baseUrl, ref.id);
  const plain: Uint8Array[] = [];
  let failures = 0;
  let renewed = false;

  /** A dropped connection or a 5xx: wait, then resume — until the retries are used up. */
  const retryOrFail = async (cause: unknown): Promise<void> => {
    if (options.signal?.aborted) throw new AttachmentProblem('cancelled', CANCELLED);
    if (failures >= delays.length)
      throw new AttachmentProblem('failed', 'The connection to the server kept failing. Try again.', { cause });
    await new Promise((resolve) => setTimeout(resolve, delays[failures++]));
  };

  try {
    while (decryptor.receivedBytes < total) {
      const from = decryptor.receivedBytes;
      const to = Math.min(total, from + rangeBytes) - 1;
      let response: Response;
      try {
        response = await doFetch(url, {
          headers: { ...authorization(transport), range: `bytes=${from}-${to}` },
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        await retryOrFail(error);
        continue;
      }
      if (response.status === 401 && !renewed) {
        renewed = true;
        await response.body?.cancel().catch(() => undefined);
        await transport.renewToken();
        continue;
      }
      if (response.status >= 500) {
        await response.body?.cancel().catch(() => undefined);
        await retryOrFail(new Error(`HTTP ${response.status}`));
        continue;
      }
      if (response.status !== 206 && !(response.status === 200 && from === 0))
        throw response.status >= 400
          ? refusal(response.status, await response.text().catch(() => ''), 'download')
          : new AttachmentProblem('failed', `The server answered a range with HTTP ${response.status}. Try again.`);
      const limit = response.status === 206 ? checkContentRange(response, from, to, total) : total;
      try {
        await receive(response, from, limit, decryptor, plain, (received) =>
          options.onProgress?.(total > 0 ? received / total : 1),
        );
      } catch (error) {
        if (error instanceof CryptoError || error instanceof AttachmentProblem) throw error;
        await retryOrFail(error); // cut mid-body: the next request starts after the last byte received
        continue;
      }
      failures = 0;
      renewed = false;
    }
    plain.push(...decryptor.finish());
  } catch (error) {
    if (error instanceof CryptoError) throw new AttachmentProblem('damaged', DAMAGED_MESSAGE, { cause: error });
    if (options.signal?.aborted && !(error instanceof AttachmentProblem))
      throw new AttachmentProblem('cancelled', CANCELLED);
    throw error;
  }
  return plain;
}

/** The end (inclusive) the server's 206 covers; refused unless it starts where asked and names the blob's length. */
function checkContentRange(response: Response, from: number, to: number, total: number): number {
  const match = CONTENT_RANGE.exec(response.headers.get('content-range') ?? '');
  if (!match) throw new AttachmentProblem('failed', 'The server answered a range without saying which. Try again.');
  const [start, end, length] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (length !== total)
    throw new AttachmentProblem('damaged', DAMAGED_MESSAGE, {
      cause: new Error(`the server's blob is ${length} bytes, the message says ${total}`),
    });
  if (start !== from || end < start || end > to)
    throw new AttachmentProblem(
      'failed',
      `The server answered bytes ${start}-${end} when ${from}-${to} were asked for.`,
    );
  return end + 1;
}

/** Streams one answer into the decryptor, refusing bytes past `limit` (the end the server promised). */
async function receive(
  response: Response,
  from: number,
  limit: number,
  decryptor: CheckedAttachmentDecryptor,
  plain: Uint8Array[],
  onProgress: (received: number) => void,
): Promise<void> {
  if (!response.body) throw new Error('the answer has no body');
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (decryptor.receivedBytes + value.length > limit)
        throw new AttachmentProblem('damaged', DAMAGED_MESSAGE, {
          cause: new Error('the server sent more bytes than the range it answered'),
        });
      plain.push(...decryptor.push(value));
      onProgress(decryptor.receivedBytes);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  if (decryptor.receivedBytes === from) throw new Error('the answer had no bytes');
}
