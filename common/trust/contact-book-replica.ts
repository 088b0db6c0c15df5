import { type Api, ApiError, type CallInput, type CallOutput, type ContactsRecord, type RouteName } from '../contract';
import type { MasterKey } from '../crypto';
import { type ContactBook, EMPTY_CONTACT_BOOK } from './contact-book';
import { decryptContactBook, encryptContactBook } from './contact-book-envelope';

/** How a client calls the API (ApiClient.call and DeviceSession.call both fit). */
export type ApiCaller = <N extends RouteName>(name: N, input: CallInput<Api[N]>) => Promise<CallOutput<Api[N]>>;

/** Where a client keeps the newest contact book it accepted (desktop: its store; phone: its memory/vault). */
export interface ContactsStorage {
  load(): ContactsRecord | null;
  save(record: ContactsRecord): void;
}

/** The server presented a contact book this device must not accept (rolled back, forked, foreign, tampered). */
export class ContactBookRefusedError extends Error {
  readonly code = 'contacts_refused';
  constructor(message: string) {
    super(message);
    this.name = 'ContactBookRefusedError';
  }
}

/** A write that keeps losing to other devices' writes gives up after this many tries. */
const MAX_ATTEMPTS = 5;

export type ContactBookChange = (book: ContactBook) => ContactBook;

/**
 * This device's copy of the user's contact book, kept in step with the server's. An incoming record is
 * accepted only if it is newer than what the device holds and opens as exactly that version of this
 * user's book (the version is in the envelope's additional data): the server can withhold a newer book,
 * but it can't roll a device back to an older one, hand it a forked one, or give it another user's.
 *
 * Changes are functions of the book (contact-book.ts): applied to the newest book and written with its
 * version as the base; when another device wrote first (409) the device takes that book and applies the
 * change again on top of it, so concurrent pins on two devices both survive.
 */
export class ContactBookReplica {
  private cached: { version: number; book: ContactBook } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(book: ContactBook) => void>();
  /** Why the last book the server offered was refused (shown to the user); null when none was. */
  lastRefusal: string | null = null;

  constructor(
    private readonly call: ApiCaller,
    private readonly masterKey: MasterKey,
    private readonly userId: string,
    private readonly storage: ContactsStorage,
  ) {}

  get version(): number {
    return this.storage.load()?.version ?? 0;
  }

  /** The book as this device knows it (empty before the first pin). */
  book(): ContactBook {
    const record = this.storage.load();
    if (!record) return EMPTY_CONTACT_BOOK;
    if (this.cached?.version !== record.version) {
      this.cached = {
        version: record.version,
        book: decryptContactBook(this.masterKey, this.userId, record.version, record.ciphertext),
      };
    }
    return this.cached.book;
  }

  /**
   * Takes a record the server sent (GET /contacts, a `contacts:sync` event). Returns true when it was newer
   * and is now this device's book; false when it is the one already held. Throws ContactBookRefusedError
   * (keeping the held book) for anything older, different at the same version, or not openable as this
   * user's book of that version.
   */
  accept(record: ContactsRecord | null): boolean {
    try {
      return this.take(record);
    } catch (error) {
      if (error instanceof ContactBookRefusedError) {
        this.lastRefusal = error.message;
        this.notify(this.book());
      }
      throw error;
    }
  }

  private take(record: ContactsRecord | null): boolean {
    const held = this.storage.load();
    if (!record) {
      if (held)
        throw new ContactBookRefusedError(
          `the server says there is no contact book, but this device holds version ${held.version}`,
        );
      return false;
    }
    if (held && record.version < held.version) {
      throw new ContactBookRefusedError(
        `the server sent contact book version ${record.version}, older than version ${held.version} this device holds: refused`,
      );
    }
    if (held && record.version === held.version) {
      if (record.ciphertext === held.ciphertext) return false;
      throw new ContactBookRefusedError(
        `the server sent a different contact book as version ${record.version}: refused`,
      );
    }
    let book: ContactBook;
    try {
      book = decryptContactBook(this.masterKey, this.userId, record.version, record.ciphertext);
    } catch {
      throw new ContactBookRefusedError(
        `the contact book the server sent does not open as version ${record.version} of this account's book: refused`,
      );
    }
    this.storage.save(record);
    this.cached = { version: record.version, book };
    this.notify(book);
    return true;
  }

  /** Fetches the server's book and accepts it (see accept). */
  async refresh(): Promise<ContactBook> {
    const { contacts } = await this.call('getContacts', {});
    this.accept(contacts);
    return this.book();
  }

  /**
   * Applies `change` to the newest book and writes it for every device; one change at a time per device.
   * A change that leaves the book as it is writes nothing. Needs the server (throws ApiError offline).
   */
  update(change: ContactBookChange): Promise<ContactBook> {
    const run = this.queue.then(() => this.write(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  onChange(listener: (book: ContactBook) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async write(change: ContactBookChange): Promise<ContactBook> {
    for (let attempt = 1; ; attempt++) {
      const base = this.book();
      const next = change(base);
      if (next === base) return base;
      const baseVersion = this.version;
      const ciphertext = encryptContactBook(this.masterKey, this.userId, baseVersion + 1, next);
      try {
        const saved = await this.call('putContacts', { body: { ciphertext, baseVersion } });
        if (saved.version !== baseVersion + 1 || saved.ciphertext !== ciphertext) {
          throw new ContactBookRefusedError('the server answered the contact book write with another book: refused');
        }
        this.accept(saved);
        return next;
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'stale_version' || attempt >= MAX_ATTEMPTS) throw error;
        // Another device wrote first: take its book, then apply this change on top of it.
        await this.refresh();
      }
    }
  }

  private notify(book: ContactBook): void {
    for (const listener of this.listeners) listener(book);
  }
}
