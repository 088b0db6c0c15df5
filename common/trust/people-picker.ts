import { ApiError, Username } from '../contract';
import { ContactMismatchError, type Contacts } from './contacts';

/**
 * How a person found by username stands against this account's pinned keys, for the New chat picker of
 * both apps (docs/GROUPS.md "Picking people"). The server's directory answer is only a claim: it is
 * compared with the pins (`Contacts.lookup`), and a differing key becomes a pending change — never a new
 * pin — so a forged lookup shows here as `changed`.
 */
export type PickedKeyState =
  /** Pinned keys whose safety number the user compared. */
  | 'verified'
  /** Pinned keys, never compared. */
  | 'unverified'
  /**
   * Never met: nothing pinned yet (the picker pins no one while the user types); their keys are pinned
   * when the chat starts (trust on first use), not verified.
   */
  | 'new'
  /**
   * The server's keys differ from the pinned ones and the user hasn't acknowledged it: no chat is started
   * with them (the apps refuse: `KeyChangeUnacknowledgedError`) until the user confirms the new safety
   * number or keeps the pinned keys.
   */
  | 'changed'
  /** The server names another account under a username pinned for someone else: refused. */
  | 'mismatch'
  /** No one by that name on this server. */
  | 'not_found'
  /** Not a username (nothing was asked of the server). */
  | 'invalid';

export interface PickedPerson {
  readonly username: string;
  /** null when not found, invalid, or refused (`mismatch`). */
  readonly userId: string | null;
  readonly state: PickedKeyState;
  /** For `changed`: the user had verified the keys that are pinned (sending to them is paused too). */
  readonly wasVerified: boolean;
}

/** Only these may go into a new chat as they are; `changed` waits for the user's confirmation. */
export function canStartWith(person: PickedPerson): boolean {
  return person.state === 'verified' || person.state === 'unverified' || person.state === 'new';
}

/** What the picker says about a person, the same words on both apps. */
export function pickedStateLabel(person: PickedPerson): string {
  switch (person.state) {
    case 'verified':
      return '✓ Verified';
    case 'unverified':
      return 'Not verified';
    case 'new':
      return 'New contact — not verified';
    case 'changed':
      return person.wasVerified
        ? 'Safety number changed since you verified it — confirm before starting'
        : 'Safety number changed — confirm before starting';
    case 'mismatch':
      return 'The server names a different account under this name than before: refused';
    case 'not_found':
      return 'No one by this name on this server';
    case 'invalid':
      return 'Not a username';
  }
}

/**
 * Looks one person up for the picker: the server's answer goes through the pins first (a differing key is
 * recorded as a pending change; someone never met is not pinned yet), and the state shown comes from the
 * pins alone.
 * Errors other than "no such user" (offline, a 5xx) are thrown for the caller to show.
 */
export async function lookUpPerson(contacts: Contacts, typed: string, myUsername: string): Promise<PickedPerson> {
  const username = typed.trim().replace(/^@/, '').toLowerCase();
  const none = (state: PickedKeyState, userId: string | null = null): PickedPerson => ({
    username,
    userId,
    state,
    wasVerified: false,
  });
  if (!Username.safeParse(username).success || username === myUsername) return none('invalid');
  let userId: string;
  try {
    userId = await contacts.lookup(username, { pinNew: false });
  } catch (error) {
    if (error instanceof ContactMismatchError) return none('mismatch');
    if (error instanceof ApiError && error.status === 404) return none('not_found');
    throw error;
  }
  const pin = contacts.pin(userId);
  if (!pin) return { username, userId, state: 'new', wasVerified: false };
  if (pin.pendingChange) return { username, userId, state: 'changed', wasVerified: pin.verified };
  return { username, userId, state: pin.verified ? 'verified' : 'unverified', wasVerified: false };
}

/** Several people, in the order typed (duplicates once). */
export async function lookUpPeople(
  contacts: Contacts,
  typed: readonly string[],
  myUsername: string,
): Promise<PickedPerson[]> {
  const people: PickedPerson[] = [];
  const seen = new Set<string>();
  for (const name of typed) {
    const person = await lookUpPerson(contacts, name, myUsername);
    if (seen.has(person.username)) continue;
    seen.add(person.username);
    people.push(person);
  }
  return people;
}
