import { z } from 'zod';
import { Envelope, Id, MAX_ENVELOPE_CHARS, MAX_VERSION, Timestamp } from '../primitives';
import { ChatIdParams } from './chats';
import { route } from './route';

export const DraftRecord = z.object({
  chatId: Id,
  /** null: the draft was deleted (an empty draft deletes everywhere). */
  ciphertext: Envelope.nullable(),
  version: z.int().min(0).max(MAX_VERSION),
  updatedByDevice: Id,
  updatedAt: Timestamp,
});
export type DraftRecord = z.infer<typeof DraftRecord>;

/**
 * The conflict rule (docs/DRAFTS.md): drafts are ordered by (version, updatedByDevice) — the higher version
 * wins, and between equal versions the greater device id wins. Every side (server, desktop store, phone)
 * uses this one comparison, so all of them keep the same draft whatever order the edits arrive in.
 * Returns > 0 when `a` wins over `b`, 0 when they are the same edit.
 */
export function compareDrafts(
  a: { version: number; updatedByDevice: string },
  b: { version: number; updatedByDevice: string },
): number {
  if (a.version !== b.version) return a.version - b.version;
  return a.updatedByDevice < b.updatedByDevice ? -1 : a.updatedByDevice > b.updatedByDevice ? 1 : 0;
}

/** Drafts longer than this many characters (UTF-16 code units, as `string.length` and `maxlength` count) are refused. */
export const DEFAULT_MAX_DRAFT_CHARS = 10_000;

/**
 * The server never sees the text, so it bounds the envelope instead: the longest envelope a draft of
 * `maxChars` characters can encrypt to. A draft is the JSON `{"text":"…"}`; JSON.stringify writes one
 * UTF-16 code unit as at most 6 bytes (`\u0001`, or a lone surrogate), so the plaintext is at most
 * 11 + 6·maxChars bytes; the AEAD adds a 16-byte tag; base64url (unpadded) makes 4 characters of every 3
 * bytes; `v1.` + 32-character nonce + `.` add 36. A client that accepts `text.length <= maxChars` is
 * therefore never refused by the server for size.
 */
export function maxDraftEnvelopeChars(maxChars: number): number {
  const plaintextBytes = 11 + 6 * maxChars;
  return 36 + Math.ceil((4 * (plaintextBytes + 16)) / 3);
}

/** The largest MAX_DRAFT_CHARS whose envelope still fits the contract's envelope bound. */
export const MAX_DRAFT_CHARS_LIMIT = Math.floor(((3 * (MAX_ENVELOPE_CHARS - 36)) / 4 - 16 - 11) / 6);

/**
 * Accepted when (version, this device) wins over the draft the server holds (see compareDrafts); anything
 * else is refused with 409 `stale_version` and the server's draft stays. Re-sending the exact same edit
 * (same version, device and ciphertext — e.g. after a lost answer) succeeds without a new change.
 * An envelope longer than the server's MAX_DRAFT_CHARS allows is refused with 413 `payload_too_large`.
 */
export const putDraft = route({
  method: 'PUT',
  path: '/chats/:chatId/draft',
  auth: 'device',
  params: ChatIdParams,
  body: z.strictObject({ ciphertext: Envelope.nullable(), version: z.int().min(1).max(MAX_VERSION) }),
  response: DraftRecord,
});

export const getDraft = route({
  method: 'GET',
  path: '/chats/:chatId/draft',
  auth: 'device',
  params: ChatIdParams,
  /** null: this user has no draft in the chat (an answer, not an error: opening a chat asks for it). */
  response: DraftRecord.nullable(),
});

/**
 * Every draft of the caller (deleted ones too, so their versions still order later edits), for a device
 * catching up: a freshly linked one, or one that was away.
 */
export const listDrafts = route({
  method: 'GET',
  path: '/drafts',
  auth: 'device',
  response: z.object({ drafts: z.array(DraftRecord), maxDraftChars: z.int() }),
});

/**
 * What clients check before encrypting: null when `text` fits, else a sentence for the user. Counted in
 * UTF-16 code units, as `string.length` and a textarea's `maxlength` count.
 */
export function draftLengthProblem(text: string, maxChars: number): string | null {
  if (text.length <= maxChars) return null;
  const n = (x: number) => x.toLocaleString('en-US');
  return `This draft is ${n(text.length)} characters long; drafts can be at most ${n(maxChars)} characters. Shorten it to keep it.`;
}
