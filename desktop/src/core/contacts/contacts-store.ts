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
      const row = store.db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as { value: string } | undefined;
      if (!row) return null;
      const parsed = ContactsRecord.safeParse(JSON.parse(row.value));
      return parsed.success ? parsed.data : null;
    },
    save(record) {
      store.db
        .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
        .run(KEY, JSON.stringify(record));
    },
  };
}
