import { SettingsRecord } from '../../../../common/contract';
import { decryptUserSettings, type UserSettings } from '../../../../common/content';
import type { MasterKey } from '../../../../common/crypto';
import type { LocalStore } from './local-store';

/**
 * The user's app settings on the desktop: the envelope exactly as the server sent it, in the store's
 * `settings` table (one row), decrypted only on demand into memory. A newer version replaces an older
 * one; a replayed or late older version changes nothing.
 */
const KEY = 'user_settings';
/**
 * A copy of the newest version that opened here. A server can't write settings of this account, but it can
 * store something else as the newest version (another account's envelope, noise); reading that as "no
 * settings" would quietly turn read receipts back on, drop every deletion and read marker — so the
 * settings read are the last ones that opened, until a version that opens comes.
 */
const OPENED_KEY = 'user_settings_opened';

export function storedSettings(store: LocalStore, key = KEY): SettingsRecord | null {
  const value = store.settings.read(key);
  if (value === null) return null;
  const parsed = SettingsRecord.safeParse(JSON.parse(value));
  return parsed.success ? parsed.data : null;
}

/** Stores `record` unless the stored settings are as new or newer. Returns whether it was stored. */
export function putStoredSettings(store: LocalStore, record: SettingsRecord): boolean {
  const current = storedSettings(store);
  if (current && current.version >= record.version) return false;
  store.settings.write(KEY, JSON.stringify(record));
  return true;
}

/**
 * The settings decrypted: the newest stored, or when that one doesn't open the newest that did (see
 * OPENED_KEY); null when there are none that open (never an exception).
 */
export function readUserSettings(store: LocalStore, masterKey: MasterKey, userId: string): UserSettings | null {
  return (
    openSettings(storedSettings(store), masterKey, userId) ??
    openSettings(storedSettings(store, OPENED_KEY), masterKey, userId)
  );
}

/** Keeps a copy of the newest stored settings when they open (called whenever new settings were stored). */
export function rememberOpenedSettings(store: LocalStore, masterKey: MasterKey, userId: string): void {
  const record = storedSettings(store);
  if (!record || storedSettings(store, OPENED_KEY)?.version === record.version) return;
  if (openSettings(record, masterKey, userId)) store.settings.write(OPENED_KEY, JSON.stringify(record));
}

function openSettings(record: SettingsRecord | null, masterKey: MasterKey, userId: string): UserSettings | null {
  if (!record) return null;
  try {
    return decryptUserSettings(masterKey, userId, record.ciphertext);
  } catch {
    return null;
  }
}
