import { z } from 'zod';
import { ENVELOPE_PATTERN, SEALED_BOX_PATTERN } from '../crypto';

/**
 * Field schemas shared by every wire. They import only constants from the crypto module (no libsodium),
 * so the server can validate shapes without ever holding a key.
 */

export const Id = z.uuid({ message: 'must be a UUID' });

/**
 * Version counters are 32-bit INT columns (PostgreSQL's `integer`): a larger value must be a 400 at the
 * edge, not a 500 from the database. One below the maximum, so the next version (+1) still fits.
 */
export const MAX_VERSION = 2_147_483_646;

export const Base64UrlKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { message: 'must be a 32-byte key in base64url' });

/** Bounds keep a client from parking arbitrary amounts of data in any one field. */
export const MAX_ENVELOPE_CHARS = 256 * 1024;

export const Envelope = z
  .string()
  .max(MAX_ENVELOPE_CHARS, { message: `must be at most ${MAX_ENVELOPE_CHARS} characters` })
  .regex(ENVELOPE_PATTERN, { message: 'must be a v1 ciphertext envelope' });

export const SealedBox = z
  .string()
  .max(16 * 1024, { message: 'must be at most 16384 characters' })
  .regex(SEALED_BOX_PATTERN, { message: 'must be a v1 sealed box' });

export const Username = z.string().regex(/^[a-z0-9][a-z0-9_.]{2,31}$/, {
  message: 'must be 3–32 characters: lowercase letters, digits, "_" or "."; starting with a letter or digit',
});

/**
 * C0 and C1 control characters (NUL, newline, ESC, DEL, …). No text field of ours needs one, a terminal
 * interprets some, and PostgreSQL refuses NUL in a text column: every free-text primitive refuses them.
 */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Invisible characters that change how the text around them is shown without being seen themselves: bidi
 * embeddings, overrides, isolates and marks (U+202A–E, U+2066–9, U+200E/F, U+061C) and zero-width
 * characters (U+200B–D, U+2060–4, U+FEFF). "Work laptop" with a right-to-left override inside can look like
 * another device's name on the approval screen, so names are stored and shown without them.
 */
const INVISIBLE_FORMATTING = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;

/** A name as it may be shown: invisible formatting removed, any control character made visible (U+FFFD). */
export function neutraliseName(name: string): string {
  return name.replace(INVISIBLE_FORMATTING, '').replace(/\p{Cc}/gu, '\uFFFD');
}

/** Free text from a client: control characters are a 400 (zod runs the checks in this order). */
export function plainText() {
  return z.string().refine((text) => !CONTROL_CHARACTER.test(text), { message: 'must not contain control characters' });
}

/** A device name as a client sends it: no control characters; invisible formatting dropped before storing. */
export const DeviceName = plainText().overwrite(neutraliseName).trim().min(1).max(64);

/**
 * A device name in an answer. Lenient, so a row stored before the rules above still lists (a phone that
 * cannot parse its device list cannot unlink anything), and neutralised again on the receiving side.
 */
export const ShownDeviceName = z.string().overwrite(neutraliseName);
export const Platform = z.enum(['ios', 'android', 'web', 'macos', 'windows', 'linux']);
export const DeviceKind = z.enum(['phone', 'desktop']);
export const Timestamp = z.iso.datetime({ offset: true });

export const BearerToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { message: 'must be a token' });

export const MessageStatus = z.enum(['sent', 'delivered', 'read']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** Forward-only order of message statuses: a status never moves back. */
export const MESSAGE_STATUS_RANK: Record<MessageStatus, number> = { sent: 0, delivered: 1, read: 2 };
