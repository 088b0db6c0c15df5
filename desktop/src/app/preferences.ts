import type { PreferencesView } from '../../../common/contract/ipc';
import type { UserSettings } from '../../../common/content';

/** What the desktop does when the synced settings don't say (a new account, or a setting added later). */
export const DEFAULT_PREFERENCES: PreferencesView = {
  theme: 'system',
  notifications: 'all',
  sendOnEnter: true,
  sendReadReceipts: true,
};

export function preferencesOf(settings: UserSettings): PreferencesView {
  return {
    theme: settings.theme ?? DEFAULT_PREFERENCES.theme,
    notifications: settings.notifications ?? DEFAULT_PREFERENCES.notifications,
    sendOnEnter: settings.sendOnEnter ?? DEFAULT_PREFERENCES.sendOnEnter,
    sendReadReceipts: settings.sendReadReceipts ?? DEFAULT_PREFERENCES.sendReadReceipts,
  };
}

/** Whether a new message deserves a native notification under these preferences. */
export function shouldNotify(preferences: PreferencesView, text: string, username: string): boolean {
  if (preferences.notifications === 'none') return false;
  if (preferences.notifications === 'all') return true;
  // "Mentions": the message names this user as @username (case-insensitive, not inside a longer name).
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@])@${escaped}(?![\\w])`, 'i').test(text);
}
