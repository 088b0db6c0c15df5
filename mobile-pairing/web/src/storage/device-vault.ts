import { ContactsRecord } from '../../../../common/contract';
import type { PhoneSession } from '../../../src/core/account';
import { decodeSession, encodeSession } from '../../../src/core/session-codec';

/**
 * Where this phone keeps its session — including the master key, which the phone owns.
 *
 * The web platform has no keychain. What we do, and what it buys:
 * - The session (tokens, master key, identity secret key) is encrypted with AES-GCM under a WebCrypto key
 *   created with `extractable: false`, and both are kept in this origin's IndexedDB. Script on the page can
 *   *use* that key but cannot read its bytes, so a copy of the stored data (a synced backup, another
 *   extension reading storage, a script that exfiltrates IndexedDB) is ciphertext without its key.
 * - It does not protect against code running in the page itself (XSS: the CSP is 'self' only, with no inline
 *   script, to keep that out) or against someone with the unlocked device and the browser profile on disk.
 *   A native app would use the Secure Enclave / StrongBox; the password-wrapped copy on the server is the
 *   recovery path either way ("Sign in" on a new phone).
 * - localStorage was rejected: it can hold only strings (the key would have to be extractable) and is
 *   readable synchronously by any script on the origin.
 * - WebCrypto exists only in a secure context (https, or http://localhost / 127.0.0.1). Elsewhere the app
 *   keeps the session in memory only and says so: reloading then means signing in again.
 */
export interface DeviceVault {
  /** False when this browser can't keep the session safely (see above): the session lives in memory only. */
  readonly persistent: boolean;
  load(): Promise<PhoneSession | null>;
  save(session: PhoneSession): Promise<void>;
  wipe(): Promise<void>;
  /** The newest contact book this phone accepted (an envelope under the master key), for its user. */
  loadContacts(userId: string): Promise<ContactsRecord | null>;
  saveContacts(userId: string, record: ContactsRecord): Promise<void>;
}

const DB_NAME = 'symc-phone';
const STORE = 'vault';
const KEY_ID = 'wrapping-key';
const SESSION_ID = 'session';
// Kept so a reload can't be rolled back to an older book than this phone saw (docs/THREAT-MODEL.md "Identities").
const CONTACTS_ID = 'contacts';

interface SealedRecord {
  readonly iv: Uint8Array;
  readonly ciphertext: ArrayBuffer;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function openDb(): Promise<IDBDatabase> {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

async function withStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    const tx = db.transaction(STORE, mode);
    const result = await request(run(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    return result;
  } finally {
    db.close();
  }
}

const AAD = new TextEncoder().encode('symc/phone-vault/v1');

class IndexedDbVault implements DeviceVault {
  readonly persistent = true;

  private async wrappingKey(): Promise<CryptoKey> {
    const existing = await withStore<unknown>('readonly', (s) => s.get(KEY_ID));
    if (existing instanceof CryptoKey) return existing;
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await withStore('readwrite', (s) => s.put(key, KEY_ID));
    return key;
  }

  async load(): Promise<PhoneSession | null> {
    const [key, record] = await Promise.all([
      withStore<unknown>('readonly', (s) => s.get(KEY_ID)),
      withStore<unknown>('readonly', (s) => s.get(SESSION_ID)),
    ]);
    if (!(key instanceof CryptoKey) || !isSealedRecord(record)) return null;
    try {
      const iv = new Uint8Array(record.iv);
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: AAD }, key, record.ciphertext);
      return decodeSession(JSON.parse(new TextDecoder().decode(plain)));
    } catch {
      // Damaged or from an incompatible version: forget it; the user signs in again.
      await this.wipe();
      return null;
    }
  }

  async save(session: PhoneSession): Promise<void> {
    const key = await this.wrappingKey();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify(encodeSession(session)));
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: AAD }, key, plain);
    plain.fill(0);
    const record: SealedRecord = { iv, ciphertext };
    await withStore('readwrite', (s) => s.put(record, SESSION_ID));
  }

  async loadContacts(userId: string): Promise<ContactsRecord | null> {
    const stored = (await withStore<unknown>('readonly', (s) => s.get(CONTACTS_ID))) as
      { userId?: unknown; record?: unknown } | undefined;
    if (!stored || stored.userId !== userId) return null;
    const parsed = ContactsRecord.safeParse(stored.record);
    return parsed.success ? parsed.data : null;
  }

  async saveContacts(userId: string, record: ContactsRecord): Promise<void> {
    await withStore('readwrite', (s) => s.put({ userId, record }, CONTACTS_ID));
  }

  async wipe(): Promise<void> {
    // The key goes too: whatever copy of the old record survives somewhere can no longer be opened.
    await withStore('readwrite', (s) => s.clear());
  }
}

function isSealedRecord(value: unknown): value is SealedRecord {
  const v = value as Partial<SealedRecord> | null;
  return !!v && v.iv instanceof Uint8Array && v.ciphertext instanceof ArrayBuffer;
}

class MemoryVault implements DeviceVault {
  readonly persistent = false;
  async load(): Promise<PhoneSession | null> {
    return null;
  }
  async save(): Promise<void> {}
  async wipe(): Promise<void> {}
  async loadContacts(): Promise<ContactsRecord | null> {
    return null;
  }
  async saveContacts(): Promise<void> {}
}

export function openDeviceVault(): DeviceVault {
  const canPersist = typeof indexedDB !== 'undefined' && globalThis.isSecureContext && !!globalThis.crypto?.subtle;
  return canPersist ? new IndexedDbVault() : new MemoryVault();
}
