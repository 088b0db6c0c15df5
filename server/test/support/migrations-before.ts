import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
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

/** The migration that moved pairing to protocol 2 (CPace); it expires protocol-1 sessions still open. */
export const PAIRING_PROTOCOL_MIGRATION = '20261203080513_pairing_protocol_2';

/**
 * For a SQLite migration test: before each test, a database file in a fresh temp dir with the committed
 * migrations applied up to just before `migration` (removed after the test). The test writes the old rows,
 * closes its handle, applies the rest with `applyPendingMigrations(url)` and reads what the migration left.
 */
export function useSqliteBeforeMigration(
  prefix: string,
  migration: string,
): () => { file: string; url: string; pending: readonly string[] } {
  let tmp: string | undefined;
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    await applyMigrations({
      provider: 'sqlite',
      url: `file:${path.join(tmp, 'symc.db')}`,
      migrationsDir: migrationsBefore('sqlite', migration, path.join(tmp, 'before')),
    });
  });
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  });
  return () => {
    if (!tmp) throw new Error('useSqliteBeforeMigration: the database is migrated in beforeEach');
    const file = path.join(tmp, 'symc.db');
    return { file, url: `file:${file}`, pending: [migration, ...laterMigrations('sqlite', migration)] };
  };
}

/** The migration that added Device.revokedReason (why the server unlinked it) and the lastSeenAt index. */
export const DEVICE_INACTIVITY_MIGRATION = '20261203122759_device_inactivity_expiry';

/** Message actions: edits (every version), tombstones, delete-for-me (docs/MESSAGES.md). */
export const MESSAGE_ACTIONS_MIGRATION = '20261203121618_message_actions';

/** The migration that added chat key versions: per-version key copies (version 1 backfilled), statements. */
export const CHAT_KEY_VERSIONS_MIGRATION = '20261203121814_chat_key_versions';

/** Receipts per recipient: the MessageReceipt table (docs/MESSAGES.md). */
export const MESSAGE_RECEIPTS_MIGRATION = '20261203144831_message_receipts';
/** Sync status per device: Device.syncedPosition/syncedAt and the ChangeLog createdAt index (retention prune). */
export const DEVICE_SYNC_STATUS_MIGRATION = '20261203144926_device_sync_status';
