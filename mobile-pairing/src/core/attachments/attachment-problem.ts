/**
 * Why a file was not sent or not opened, worded for the person holding the phone. `kind` is for the UI
 * (a damaged file is marked as such); the message is shown as it is.
 *
 * - `too_large`: over the size limit (checked before anything is encrypted, and the server's 413);
 * - `quota`: the account's storage for files is full (the server's 413 `quota_exceeded`);
 * - `refused`: any other refusal by the server;
 * - `damaged`: the blob is not the one its message names — changed, cut short or longer (never shown);
 * - `unavailable`: the server no longer has it, or this account may not read it;
 * - `failed`: the connection kept failing, or the file changed while it was read;
 * - `cancelled`: the user stopped it.
 */
export type AttachmentProblemKind =
  'too_large' | 'quota' | 'refused' | 'damaged' | 'unavailable' | 'failed' | 'cancelled';

export class AttachmentProblem extends Error {
  constructor(
    readonly kind: AttachmentProblemKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AttachmentProblem';
  }
}
