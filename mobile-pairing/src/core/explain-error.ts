import { ApiError, PairingLinkError, type PairingStatus } from '../../../common/contract';
import { CryptoError } from '../../../common/crypto';
import { AttachmentProblem } from './attachments/attachment-problem';
import { StartChatRefused } from './conversations';
import { PairingRefused } from './pairing';

/** "this pairing code was used already" → "This pairing code was used already." */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * Any failure, as a sentence a person can act on. Our own refusals are already worded for people;
 * the server's `{error:{message}}` is shown as the server wrote it, except where a code has a better,
 * phone-specific wording.
 */
export function explainError(error: unknown): string {
  if (
    error instanceof PairingLinkError ||
    error instanceof PairingRefused ||
    error instanceof StartChatRefused ||
    error instanceof AttachmentProblem
  ) {
    return error.message;
  }
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'network_error':
        return 'Can’t reach the Symc server. Check your connection and try again.';
      case 'aborted':
        return 'Cancelled.';
      case 'bad_response':
        return `The server sent an answer this app does not understand (HTTP ${error.status}). Try again, or reload the app.`;
      case 'invalid_credentials':
        return 'Wrong username or password.';
      case 'username_taken':
        return 'That username is taken. Try another one.';
      case 'rate_limited':
        return 'Too many attempts. Wait a minute, then try again.';
      case 'device_revoked':
        return 'This phone was unlinked from your account. Sign in again.';
      case 'token_expired':
      case 'unauthenticated':
        return 'Your session has ended. Sign in again.';
      case 'internal':
        return 'Something went wrong on the server. Try again in a moment.';
      case 'validation_failed':
        // "body.username: must be …" → "Username: must be …"
        return asSentence(error.message.replace(/^(body|params|query)\./, ''));
      default:
        return asSentence(error.message);
    }
  }
  if (error instanceof CryptoError) return `This phone could not decrypt the data (${error.message}).`;
  if (error instanceof Error && error.message) return asSentence(error.message);
  return 'Something went wrong.';
}

/** Errors while looking up or answering a desktop's pairing request. */
export function explainPairingError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'not_found') {
      return 'No desktop is waiting for this link or code. Codes last a minute: show a new QR code on the desktop and try again.';
    }
    if (error.code === 'conflict') return 'This pairing code was used already. Show a new QR code on the desktop.';
    if (error.code === 'device_limit') return `${asSentence(error.message)} Unlink a device you no longer use first.`;
  }
  return explainError(error);
}

/** What to tell the user about a pairing that can no longer be approved; null while it can. */
export function describePairingStatus(status: PairingStatus): string | null {
  switch (status) {
    case 'pending':
      return null;
    case 'expired':
      return 'This pairing code has expired. Show a new QR code on the desktop and try again.';
    case 'approved':
    case 'consumed':
      return 'This pairing code was used already. Show a new QR code on the desktop.';
    case 'denied':
      return 'This pairing request was denied.';
    case 'cancelled':
      return 'This pairing was cancelled. Start again on the desktop.';
    case 'rejected':
      return 'The check code didn’t match the desktop’s. The desktop now shows new codes: start again with those.';
  }
}
