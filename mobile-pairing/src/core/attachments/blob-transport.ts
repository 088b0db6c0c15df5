import { ErrorBody } from '../../../../common/contract';
import { AttachmentProblem } from './attachment-problem';

/**
 * How the phone reaches the attachment endpoints (tus uploads, ranged downloads): they are not JSON routes,
 * so they don't go through the ApiClient — but they use its session. An expired access token is renewed
 * by an ordinary API call (the phone client refreshes on 401), then the request goes again.
 */
export interface BlobTransport {
  readonly baseUrl: string;
  /** The current access token (read before every request: a refresh may have replaced it). */
  accessToken(): string | null;
  /** Makes an ordinary API call so the session's tokens are refreshed. */
  renewToken(): Promise<void>;
  readonly fetch?: typeof fetch;
}

export function authorization(transport: BlobTransport): Record<string, string> {
  const token = transport.accessToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The server's refusal of an upload or a download, as a sentence (its JSON error body when it sent one). */
export function refusal(status: number, bodyText: string, what: 'upload' | 'download'): AttachmentProblem {
  let code = '';
  let message = '';
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(bodyText));
    if (parsed.success) ({ code, message } = parsed.data.error);
  } catch {
    // Not our JSON: a proxy's page, a cut body. The status says enough.
  }
  if (code === 'quota_exceeded') return new AttachmentProblem('quota', 'Your account’s space for files is full.');
  if (status === 413)
    return new AttachmentProblem('too_large', `The server refused it as too large${message ? ` (${message})` : ''}.`);
  if (what === 'download' && (status === 404 || status === 403))
    return new AttachmentProblem('unavailable', 'This file is no longer on the server.');
  if (what === 'download' && status === 416)
    return new AttachmentProblem('damaged', 'This file is damaged: the server has less of it than its message says.');
  const detail = message || `HTTP ${status}`;
  return new AttachmentProblem(
    'refused',
    what === 'upload' ? `The server refused it (${detail}).` : `The server refused to send it (${detail}).`,
  );
}
