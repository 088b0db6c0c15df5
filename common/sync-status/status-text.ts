import type { DeviceSyncStatus } from '../contract';

/** "just now", "5 minutes ago", "3 hours ago", "yesterday", "12 days ago". */
function ago(iso: string, now: number): string {
  const minutes = Math.round((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  const days = Math.round(hours / 24);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/**
 * One line about how far a device's store is, as the phone's Devices screen and the desktop's Settings show
 * it (docs/DEVICE-LIFECYCLE.md "Sync status per device"). Null: nothing to say (a phone, or an older server).
 */
export function syncStatusText(status: DeviceSyncStatus | null | undefined, now = Date.now()): string | null {
  if (!status) return null;
  const synced = 'syncedAt' in status && status.syncedAt ? ` · synced ${ago(status.syncedAt, now)}` : '';
  switch (status.state) {
    case 'up_to_date':
      return `Up to date${synced}`;
    case 'behind':
      return `${status.changesBehind} ${status.changesBehind === 1 ? 'change' : 'changes'} behind${synced}`;
    case 'first_sync':
      return `First sync ${status.percent} %${synced}`;
    case 'log_expired':
      return `Too far behind to catch up: it syncs again from the start when it connects${synced}`;
    case 'never':
      return 'Not synced yet';
  }
}
