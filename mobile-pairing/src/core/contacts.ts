import type { ApiClient, ContactsRecord } from '../../../common/contract';
import { ContactBookReplica, type ApiCaller, type ContactsStorage } from '../../../common/trust/contact-book-replica';
import { Contacts } from '../../../common/trust/contacts';
import type { PhoneSession } from './account';

/**
 * The phone's contact book: the shared pins (common/trust), kept in memory for the session and read from
 * the server once when the session first needs it. Within a session the replica refuses any older or
 * foreign book the server offers (its version only grows); a new session trusts the newest book the
 * server serves, as a new device does (docs/THREAT-MODEL.md "Identities").
 */
const bySession = new Map<string, Promise<Contacts>>();

function memoryStorage(): ContactsStorage {
  let record: ContactsRecord | null = null;
  return { load: () => record, save: (next) => (record = next) };
}

function sessionKey(me: PhoneSession): string {
  return `${me.userId}/${me.deviceId}`;
}

export function phoneContacts(client: ApiClient, me: PhoneSession): Promise<Contacts> {
  const key = sessionKey(me);
  let contacts = bySession.get(key);
  if (!contacts) {
    const call = client.call.bind(client) as ApiCaller;
    const created = new Contacts(call, new ContactBookReplica(call, me.masterKey, me.userId, memoryStorage()), me.userId);
    contacts = created.replica.refresh().then(() => created);
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
