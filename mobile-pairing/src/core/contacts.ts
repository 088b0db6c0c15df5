import type { ApiClient, ContactsRecord } from '../../../common/contract';
import {
  ContactBookRefusedError,
  ContactBookReplica,
  type ApiCaller,
  type ContactsStorage,
} from '../../../common/trust/contact-book-replica';
import { Contacts } from '../../../common/trust/contacts';
import type { PhoneSession } from './account';

/**
 * The phone's contact book: the shared pins (common/trust), held in memory for the session and read from
 * the server when the session first needs it. With a persistence (the web app's device vault) the newest
 * book accepted is kept across reloads too, so the server can't roll this phone back to an older one; without
 * (a browser that can't keep data, the CLI, tests) a new session trusts the newest book the server serves,
 * as a new device does (docs/THREAT-MODEL.md "Identities").
 */
export interface ContactsPersistence {
  load(userId: string): Promise<ContactsRecord | null>;
  save(userId: string, record: ContactsRecord): Promise<void>;
}

const bySession = new Map<string, Promise<Contacts>>();
let persistence: ContactsPersistence | null = null;

/** Where the phone keeps its book between sessions (set once by the app that has somewhere to keep it). */
export function setContactsPersistence(next: ContactsPersistence | null): void {
  persistence = next;
}

function sessionKey(me: PhoneSession): string {
  return `${me.userId}/${me.deviceId}`;
}

async function create(client: ApiClient, me: PhoneSession): Promise<Contacts> {
  const keep = persistence;
  let record: ContactsRecord | null = keep ? await keep.load(me.userId).catch(() => null) : null;
  const storage: ContactsStorage = {
    load: () => record,
    save: (next) => {
      record = next;
      // Best effort: a failed write costs only the rollback check after the next reload.
      void keep?.save(me.userId, next).catch(() => undefined);
    },
  };
  const call = client.call.bind(client) as ApiCaller;
  const contacts = new Contacts(call, new ContactBookReplica(call, me.masterKey, me.userId, storage), me.userId);
  try {
    await contacts.replica.refresh();
  } catch (error) {
    // A refused book (older than the one kept, foreign, tampered): the kept pins serve, and the refusal is
    // shown (replica.lastRefusal). Anything else (offline) fails this attempt.
    if (!(error instanceof ContactBookRefusedError)) throw error;
  }
  return contacts;
}

export function phoneContacts(client: ApiClient, me: PhoneSession): Promise<Contacts> {
  const key = sessionKey(me);
  let contacts = bySession.get(key);
  if (!contacts) {
    contacts = create(client, me);
    // A failed first read is not cached: the next use tries again.
    contacts.catch(() => bySession.delete(key));
    bySession.set(key, contacts);
  }
  return contacts;
}

/** Drops the session's book from memory (sign-out, unlink). */
export function forgetPhoneContacts(me: PhoneSession): void {
  bySession.delete(sessionKey(me));
}
