import type { ChatTrust, ContactPin } from '../../../../common/trust/contact-book';
import {
  type ApiCaller,
  ContactBookRefusedError,
  ContactBookReplica,
} from '../../../../common/trust/contact-book-replica';
import { Contacts } from '../../../../common/trust/contacts';
import { type FingerprintKeys, safetyNumber } from '../../../../common/trust/safety-number';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import type { SyncEngine } from '../sync/sync-engine';
import { contactsStorage } from './contacts-store';

/** How long a chat's members' directory entries are trusted to be unchanged before opening it checks again. */
const RECHECK_MS = 10 * 60_000;

/**
 * The desktop's contacts (`core.contacts`): the pins shared by the user's devices (common/trust), stored
 * in the local store, updated live by `contacts:sync`. Opening a chat meets its members (pins the ones
 * never met; compares the others with the server's current answer, at most every RECHECK_MS), and sending
 * to a chat asks `sendingPaused` first: a verified member whose keys changed stops it until the user
 * acknowledges the change.
 */
export class DesktopContacts {
  readonly contacts: Contacts;
  /** The last contact book the server offered and this desktop refused (shown; the pins stay). */
  lastRefusal: string | null = null;
  private readonly checkedAt = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly session: DeviceSession,
    private readonly store: LocalStore,
    engine: SyncEngine,
    /** The account's own signing public key (base64url), for its half of safety numbers. */
    private readonly ownSigningKey: () => string | null = () => null,
  ) {
    const call = session.call.bind(session) as ApiCaller;
    const replica = new ContactBookReplica(call, session.masterKey, session.userId, contactsStorage(store));
    this.contacts = new Contacts(call, replica, session.userId);
    replica.onChange(() => this.changed());
    this.unsubscribe = engine.onEvents((events) => {
      for (const event of events) {
        if (event.name === 'contacts:sync') this.take(() => replica.accept(event.payload.contacts));
      }
    });
  }

  /** Reads the server's book once (best effort: offline, the stored pins serve). */
  async start(): Promise<void> {
    try {
      await this.contacts.replica.refresh();
    } catch (error) {
      if (error instanceof ContactBookRefusedError) this.refused(error);
    }
  }

  /** The user ids of a chat's other members, as the store has them. */
  membersOf(chatId: string): string[] {
    const chat = this.store.getChat(chatId);
    if (!chat) return [];
    return (JSON.parse(chat.members) as Array<{ userId: string }>)
      .map((m) => m.userId)
      .filter((id) => id !== this.session.userId);
  }

  trust(chatId: string): ChatTrust {
    return this.contacts.trust(this.membersOf(chatId));
  }

  /** Pins a chat's new members and re-checks the others (throttled). Never throws: a failure changes no pin. */
  async meetMembersOf(chatId: string): Promise<void> {
    const now = Date.now();
    const due = this.membersOf(chatId).filter(
      (id) => !this.contacts.pin(id) || now - (this.checkedAt.get(id) ?? 0) > RECHECK_MS,
    );
    if (due.length === 0) return;
    try {
      await this.contacts.meet(due, { recheck: true });
      for (const id of due) this.checkedAt.set(id, now);
    } catch (error) {
      if (error instanceof ContactBookRefusedError) this.refused(error);
    }
  }

  pin(userId: string): ContactPin | null {
    return this.contacts.pin(userId);
  }

  /** My keys as my contacts pin them (the safety number's other half). */
  myKeys(): FingerprintKeys | null {
    const identity = this.session.storedIdentity;
    return identity
      ? { userId: this.session.userId, identityPublicKey: identity.publicKey, signingPublicKey: this.ownSigningKey() }
      : null;
  }

  /** The safety number with a contact, from their pinned keys (never from a pending change). */
  safetyNumberWith(userId: string): string | null {
    const mine = this.myKeys();
    const pin = this.pin(userId);
    return mine && pin
      ? safetyNumber(mine, { userId, identityPublicKey: pin.identityPublicKey, signingPublicKey: pin.signingPublicKey })
      : null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private take(accept: () => unknown): void {
    try {
      accept();
    } catch (error) {
      if (error instanceof ContactBookRefusedError) this.refused(error);
      else throw error;
    }
  }

  private refused(error: ContactBookRefusedError): void {
    this.lastRefusal = error.message;
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
