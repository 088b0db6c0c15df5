import fs from 'node:fs';
import path from 'node:path';
import { migrationsDirFor } from '../../src/db/migrate';

/** The migration that put message totals on the Chat row; it backfills them from the stored messages. */
export const TOTALS_MIGRATION = '20261129092942_chat_message_totals';

/** The migration that added the account's signing key (nullable) to the User row. */
export const SIGNING_KEYS_MIGRATION = '20261203080256_signing_keys';

/** A copy of a provider's migrations directory holding only the migrations before `name`. */
export function migrationsBefore(provider: 'sqlite' | 'postgresql', name: string, into: string): string {
  const source = migrationsDirFor(provider);
  const names = fs
    .readdirSync(source, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (!names.includes(name)) throw new Error(`no migration ${name} in ${source}`);
  fs.mkdirSync(into, { recursive: true });
  fs.copyFileSync(path.join(source, 'migration_lock.toml'), path.join(into, 'migration_lock.toml'));
  for (const dir of names.filter((n) => n < name))
    fs.cpSync(path.join(source, dir), path.join(into, dir), { recursive: true });
  return into;
}

/** The committed migrations after `name`, in order. */
export function laterMigrations(provider: 'sqlite' | 'postgresql', name: string): string[] {
  return fs
    .readdirSync(migrationsDirFor(provider), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name > name)
    .map((e) => e.name)
    .sort();
}

/** The migration that added the contact book (pinned keys, one envelope per user). */
export const CONTACT_BOOK_MIGRATION = '20261203080427_contact_book';

/** The migration that added chat key versions: per-version key copies (version 1 backfilled), statements. */
export const CHAT_KEY_VERSIONS_MIGRATION = '20261203121814_chat_key_versions';
