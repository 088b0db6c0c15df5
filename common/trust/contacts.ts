import type { DirectoryEntry } from '../contract';
import { ApiError } from '../contract';
import { decodePublicKey } from '../crypto';
import {
  acknowledgeChange,
  chatTrust,
  type ChatTrust,
  type ContactBook,
  type ContactPin,
  keepPinnedKeys,
  KeyChangeUnacknowledgedError,
  observe,
  setVerified,
} from './contact-book';
import type { ApiCaller, ContactBookReplica } from './contact-book-replica';
import type { SenderKeyDirectory } from './sender-keys';

/** The server names, for a username, another account than the one pinned under that name. */
export class ContactMismatchError extends Error {
  readonly code = 'contact_mismatch';
  constructor(username: string) {
    super(`the server names a different account as "${username}" than the one this account met before: refused`);
    this.name = 'ContactMismatchError';
  }
}

/**
 * A device's view of its contacts: every directory answer goes through the pins first. Shared by the phone
 * and the desktop; each brings its own replica storage. Also the pinned `SenderKeyDirectory`
 * (common/trust/sender-keys.ts): `keysFor` answers from the pins, never from a changed server answer.
 */
export class Contacts implements SenderKeyDirectory {
  constructor(
    private readonly call: ApiCaller,
    readonly replica: ContactBookReplica,
    private readonly myUserId: string,
    private readonly now: () => number = Date.now,
  ) {}

  book(): ContactBook {
    return this.replica.book();
  }

  pin(userId: string): ContactPin | null {
    return this.book().contacts[userId] ?? null;
  }

  /**
   * Looks a user up by name (to start a chat with them) and pins or compares their keys. Returns their
   * user id; the keys to use are the pinned ones (`sealingKeys`). `pinNew: false` (New chat's picker,
   * while the user is still typing): someone never met is not pinned yet — only compared when pinned.
   */
  async lookup(username: string, options: { pinNew?: boolean } = {}): Promise<string> {
    const entry = await this.call('lookupUser', { params: { username } });
    const pinnedUnderName = Object.entries(this.book().contacts).find(([, pin]) => pin.username === username);
    if (pinnedUnderName && pinnedUnderName[0] !== entry.userId) throw new ContactMismatchError(username);
    if (options.pinNew === false && !this.pin(entry.userId)) return entry.userId;
    await this.observe(entry);
    return entry.userId;
  }

  /**
   * Meets users by id (members of a chat): pins the ones never met. With `recheck`, also compares the
   * server's current answer for the ones already pinned, so a substituted key shows up as a change.
   */
  async meet(userIds: readonly string[], options: { recheck?: boolean } = {}): Promise<void> {
    for (const userId of new Set(userIds)) {
      if (userId === this.myUserId) continue;
      if (!options.recheck && this.pin(userId)) continue;
      let entry: DirectoryEntry;
      try {
        entry = await this.call('lookupUserById', { params: { userId } });
      } catch (error) {
        // A member whose account is gone has nothing to pin; anything else is the caller's to report.
        if (error instanceof ApiError && error.code === 'not_found') continue;
        throw error;
      }
      if (entry.userId !== userId) continue; // an answer about someone else pins nothing
      await this.observe(entry);
    }
  }

  /**
   * The identity keys to seal a new chat's key to, from the pins (meeting anyone not yet pinned). Throws
   * KeyChangeUnacknowledgedError naming every member whose keys changed without the user's acknowledgement.
   */
  async sealingKeys(userIds: readonly string[]): Promise<Map<string, Uint8Array>> {
    await this.meet(userIds);
    const book = this.book();
    const keys = new Map<string, Uint8Array>();
    const changed = [];
    for (const userId of userIds) {
      const pin = book.contacts[userId];
      if (!pin) throw new Error(`user ${userId} has no keys to seal to`);
      if (pin.pendingChange) changed.push({ userId, username: pin.username, verified: pin.verified });
      else keys.set(userId, decodePublicKey(pin.identityPublicKey));
    }
    if (changed.length > 0) throw new KeyChangeUnacknowledgedError(changed);
    return keys;
  }

  trust(memberIds: readonly string[]): ChatTrust {
    return chatTrust(
      this.book(),
      memberIds.filter((id) => id !== this.myUserId),
    );
  }

  /** The user accepts the new keys shown for `userId` (the pending change's identity key, exactly). */
  acknowledge(userId: string, identityPublicKey: string): Promise<ContactBook> {
    return this.replica.update((book) => acknowledgeChange(book, userId, identityPublicKey, this.now()));
  }

  /** The user refuses the new keys shown for `userId` and keeps the pinned ones. */
  keepPinned(userId: string, identityPublicKey: string): Promise<ContactBook> {
    return this.replica.update((book) => keepPinnedKeys(book, userId, identityPublicKey));
  }

  setVerified(userId: string, identityPublicKey: string, verified: boolean): Promise<ContactBook> {
    return this.replica.update((book) => setVerified(book, userId, identityPublicKey, verified));
  }

  /**
   * SenderKeyDirectory: a contact's pinned name and signing key (meeting them first if never met), or null
   * when the server doesn't know them. A pending change never alters the answer.
   */
  async keysFor(userId: string): Promise<{ username: string; signingPublicKey: Uint8Array | null } | null> {
    if (!this.pin(userId)) await this.meet([userId]);
    const pin = this.pin(userId);
    if (!pin) return null;
    return {
      username: pin.username,
      signingPublicKey: pin.signingPublicKey ? decodePublicKey(pin.signingPublicKey) : null,
    };
  }

  private async observe(entry: DirectoryEntry): Promise<void> {
    // Checked against the newest book first: an unchanged answer writes nothing.
    const { outcome } = observe(this.book(), entry, this.now());
    if (outcome === 'same' || outcome === 'rejected') return;
    await this.replica.update((book) => observe(book, entry, this.now()).book);
  }
}
