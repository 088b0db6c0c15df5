import { ContactsRecord } from '../../../../common/contract';
import type { ContactsStorage } from '../../../../common/trust/contact-book-replica';
import type { LocalStore } from '../store/local-store';

/**
 * The contact book on the desktop: the envelope exactly as accepted (newest version only), in the store's
 * `settings` table, decrypted on demand. Kept across restarts, so a server that later offers an older
 * book is refused (the replica compares versions against this row).
 */
const KEY = 'contact_book';

export function contactsStorage(store: LocalStore): ContactsStorage {
  return {
    load() {
      const value = store.settings.read(KEY);
      if (value === null) return null;
      const parsed = ContactsRecord.safeParse(JSON.parse(value));
      return parsed.success ? parsed.data : null;
    },
    save(record) {
      store.settings.write(KEY, JSON.stringify(record));
    },
  };
}
