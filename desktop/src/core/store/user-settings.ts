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

export function storedSettings(store: LocalStore): SettingsRecord | null {
  const value = store.settings.read(KEY);
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

/** The settings decrypted, or null when there are none or their envelope doesn't open (never an exception). */
export function readUserSettings(store: LocalStore, masterKey: MasterKey, userId: string): UserSettings | null {
  const record = storedSettings(store);
  if (!record) return null;
  try {
    return decryptUserSettings(masterKey, userId, record.ciphertext);
  } catch {
    return null;
  }
}
