import { z } from 'zod';
import { Base64UrlKey, Id, Username } from '../contract';

/**
 * The contact book: the keys of every contact, pinned the first time a device of the user met them (trust
 * on first use), shared by all the user's devices (one envelope under the master key). The server's
 * directory (`GET /users/…`) is only ever a claim compared against these pins: a claim that differs is
 * recorded as a pending change — shown as "X's safety number changed" — and never replaces the pin until
 * the user acknowledges it.
 *
 * Everything here is a pure function of a book: devices apply the same operations to the newest book they
 * know and, when another device wrote first, apply them again on top of its book (contact-book-replica.ts).
 */

/** What the server says about a user (the directory entry, keys in base64url). */
export interface DirectoryClaim {
  readonly userId: string;
  readonly username: string;
  readonly identityPublicKey: string;
  readonly signingPublicKey: string | null;
}

const KeySet = z.object({
  username: Username,
  identityPublicKey: Base64UrlKey,
  /** Ed25519 signing key; null for an account from before signing keys existed. */
  signingPublicKey: Base64UrlKey.nullable(),
});

export const ContactPin = KeySet.extend({
  /** The user compared the safety number of exactly these keys (cleared whenever the keys change). */
  verified: z.boolean(),
  pinnedAt: z.number().int(),
  /** Keys the server presented that differ from the pin, not yet acknowledged by the user. */
  pendingChange: KeySet.extend({ seenAt: z.number().int() }).nullable(),
  /** When the pin last moved to new keys (an acknowledged change); null if it never did. */
  changedAt: z.number().int().nullable(),
  /** Identity keys the user refused for this contact (kept the pinned ones): a claim of one of them is ignored. */
  rejected: z.array(Base64UrlKey).max(16).optional(),
});
export type ContactPin = z.infer<typeof ContactPin>;

/** Loose: a newer client's extra fields survive an older client's rewrite. */
export const ContactBook = z.looseObject({ contacts: z.record(Id, ContactPin) });
export type ContactBook = z.infer<typeof ContactBook>;

export const EMPTY_CONTACT_BOOK: ContactBook = { contacts: {} };

export type ObserveOutcome =
  /** First meeting: the keys are now pinned. */
  | 'pinned'
  /** The claim matches the pin. */
  | 'same'
  /** The pin had no signing key and the claim brings one: pinned now (an unverified contact only). */
  | 'signing-key-added'
  /** The claim differs from the pin: recorded as a pending change; the pin is unchanged. */
  | 'changed'
  /** The claim is a key the user already refused for this contact: ignored. */
  | 'rejected';

function sameKeys(a: z.infer<typeof KeySet>, b: z.infer<typeof KeySet>): boolean {
  return (
    a.identityPublicKey === b.identityPublicKey &&
    a.signingPublicKey === b.signingPublicKey &&
    a.username === b.username
  );
}

function keysOf(entry: DirectoryClaim): z.infer<typeof KeySet> {
  return KeySet.parse({
    username: entry.username,
    identityPublicKey: entry.identityPublicKey,
    signingPublicKey: entry.signingPublicKey,
  });
}

function withContact(book: ContactBook, userId: string, pin: ContactPin): ContactBook {
  return { ...book, contacts: { ...book.contacts, [userId]: pin } };
}

/**
 * Compares a directory claim with the pin. First meeting pins it; a matching claim changes nothing; a
 * differing claim becomes (or replaces) the pending change. A signing key arriving for a pin that had none
 * is taken silently for an unverified contact (accounts gain one when they upgrade); for a verified contact
 * it is a change like any other, since "verified" covered the keys the user compared.
 */
export function observe(
  book: ContactBook,
  entry: DirectoryClaim,
  now: number,
): { book: ContactBook; outcome: ObserveOutcome } {
  const seen = keysOf(entry);
  const pin = book.contacts[entry.userId];
  if (!pin) {
    return {
      book: withContact(book, entry.userId, {
        ...seen,
        verified: false,
        pinnedAt: now,
        pendingChange: null,
        changedAt: null,
      }),
      outcome: 'pinned',
    };
  }
  if (sameKeys(pin, seen)) return { book, outcome: 'same' };
  const onlyAddsSigningKey =
    pin.signingPublicKey === null &&
    seen.signingPublicKey !== null &&
    pin.identityPublicKey === seen.identityPublicKey &&
    pin.username === seen.username;
  if (onlyAddsSigningKey && !pin.verified && pin.pendingChange === null) {
    return {
      book: withContact(book, entry.userId, { ...pin, signingPublicKey: seen.signingPublicKey }),
      outcome: 'signing-key-added',
    };
  }
  if (pin.rejected?.includes(seen.identityPublicKey)) return { book, outcome: 'rejected' };
  if (pin.pendingChange && sameKeys(pin.pendingChange, seen)) return { book, outcome: 'changed' };
  return {
    book: withContact(book, entry.userId, { ...pin, pendingChange: { ...seen, seenAt: now } }),
    outcome: 'changed',
  };
}

/**
 * The user acknowledged the change to exactly `identityPublicKey` (what they were shown): the pin moves to
 * the new keys and is no longer verified. A change that moved on since (another key) is not acknowledged.
 */
export function acknowledgeChange(
  book: ContactBook,
  userId: string,
  identityPublicKey: string,
  now: number,
): ContactBook {
  const pin = book.contacts[userId];
  if (!pin?.pendingChange || pin.pendingChange.identityPublicKey !== identityPublicKey) return book;
  const { seenAt: _seenAt, ...keys } = pin.pendingChange;
  return withContact(book, userId, { ...pin, ...keys, verified: false, pendingChange: null, changedAt: now });
}

/**
 * The user refused the change to `identityPublicKey` and keeps the pinned keys (e.g. they compared safety
 * numbers with the contact and the pinned ones match): the warning goes, the pin (and its verified mark)
 * stays, and the server claiming that key again is ignored. Sending resumes — to the pinned keys.
 */
export function keepPinnedKeys(book: ContactBook, userId: string, identityPublicKey: string): ContactBook {
  const pin = book.contacts[userId];
  if (!pin?.pendingChange || pin.pendingChange.identityPublicKey !== identityPublicKey) return book;
  const rejected = [...(pin.rejected ?? []).filter((k) => k !== identityPublicKey), identityPublicKey].slice(-16);
  return withContact(book, userId, { ...pin, pendingChange: null, rejected });
}

/**
 * The user marked the contact verified (or not) after comparing the safety number of `identityPublicKey`.
 * Only applies while those are still the pinned keys and no change is pending: a verification can never
 * carry over to keys the user did not compare.
 */
export function setVerified(
  book: ContactBook,
  userId: string,
  identityPublicKey: string,
  verified: boolean,
): ContactBook {
  const pin = book.contacts[userId];
  if (!pin || pin.identityPublicKey !== identityPublicKey || pin.pendingChange) return book;
  if (pin.verified === verified) return book;
  return withContact(book, userId, { ...pin, verified });
}

/** Raised when a chat key would go to a contact whose keys changed and the user has not acknowledged it. */
export class KeyChangeUnacknowledgedError extends Error {
  readonly code = 'key_change_unacknowledged';
  constructor(readonly contacts: readonly { userId: string; username: string; verified: boolean }[]) {
    super(
      `${contacts.map((c) => c.username).join(', ')}: safety number changed. ` +
        'Review it and acknowledge the change before sharing a chat with them.',
    );
    this.name = 'KeyChangeUnacknowledgedError';
  }
}

/**
 * The key to seal a chat key to: the pinned identity key, never the server's latest claim. A contact with
 * a pending (unacknowledged) change gets nothing — the caller shows the warning instead.
 */
export function sealingKeyFor(book: ContactBook, userId: string): string {
  const pin = book.contacts[userId];
  if (!pin) throw new Error(`no pinned keys for user ${userId}: look them up first`);
  if (pin.pendingChange)
    throw new KeyChangeUnacknowledgedError([{ userId, username: pin.username, verified: pin.verified }]);
  return pin.identityPublicKey;
}

export interface ChatTrust {
  /** Members whose keys changed (pending acknowledgement): each shows "X's safety number changed". */
  readonly changed: readonly { userId: string; username: string; verified: boolean; seenAt: number }[];
  /** True while a verified member's change is unacknowledged: sending to the chat waits for the user. */
  readonly sendingPaused: boolean;
}

/** The trust state of a chat's members (other than me) as the chat screen shows it. */
export function chatTrust(book: ContactBook, memberIds: readonly string[]): ChatTrust {
  const changed = [];
  for (const userId of memberIds) {
    const pin = book.contacts[userId];
    if (pin?.pendingChange)
      changed.push({ userId, username: pin.username, verified: pin.verified, seenAt: pin.pendingChange.seenAt });
  }
  return { changed, sendingPaused: changed.some((c) => c.verified) };
}
