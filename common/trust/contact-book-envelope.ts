import { decryptJson, type Envelope, encryptJson, type MasterKey } from '../crypto';
import { ContactBook } from './contact-book';

/**
 * The contact book inside its envelope: under the master key (every device of the user opens it, the
 * server never does), bound to the owner and to the version it is written as. Another user's book, or an
 * older book relabelled with a newer version, does not open.
 */
export function encryptContactBook(key: MasterKey, userId: string, version: number, book: ContactBook): Envelope {
  return encryptJson(key, ContactBook.parse(book), { kind: 'contacts', userId, version: String(version) });
}

export function decryptContactBook(key: MasterKey, userId: string, version: number, envelope: string): ContactBook {
  return ContactBook.parse(decryptJson(key, envelope, { kind: 'contacts', userId, version: String(version) }));
}
