import { type ApiClient, ApiError } from '../../../common/contract';
import { decryptUserSettings, encryptUserSettings, type UserSettings } from '../../../common/content';
import type { PhoneSession } from './account';

const MAX_ATTEMPTS = 4;

/**
 * The user's synced settings (one envelope under the master key, shared by all their devices), read on the
 * phone. An envelope that doesn't open (damaged, or forged by the server) reads as no settings: defaults.
 */
export async function readSettings(
  client: ApiClient,
  me: PhoneSession,
): Promise<{ settings: UserSettings; version: number }> {
  const { settings } = await client.call('getSettings', {});
  if (!settings) return { settings: {}, version: 0 };
  try {
    return { settings: decryptUserSettings(me.masterKey, me.userId, settings.ciphertext), version: settings.version };
  } catch {
    return { settings: {}, version: settings.version };
  }
}

/**
 * Merges `patch` into the newest settings and writes them for every device; when another device wrote in
 * between (409 stale_version) it re-reads and merges again, so edits of other fields survive. Unknown fields
 * (from a newer app) are kept.
 */
export async function updateSettings(
  client: ApiClient,
  me: PhoneSession,
  patch: Partial<UserSettings>,
): Promise<UserSettings> {
  for (let attempt = 1; ; attempt++) {
    const { settings, version } = await readSettings(client, me);
    const next: UserSettings = { ...settings, ...patch };
    try {
      await client.call('putSettings', {
        body: { ciphertext: encryptUserSettings(me.masterKey, me.userId, next), baseVersion: version },
      });
      return next;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'stale_version') || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Read receipts are on unless the user turned them off (docs/MESSAGES.md). */
export const sendsReadReceipts = (settings: UserSettings): boolean => settings.sendReadReceipts !== false;
