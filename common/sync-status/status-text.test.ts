import { syncStatusText } from './status-text';

describe('syncStatusText', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();

  it('says how far a device is, and when it last synced', () => {
    expect(syncStatusText({ state: 'up_to_date', syncedAt: at(0) }, now)).toBe('Up to date · synced just now');
    expect(syncStatusText({ state: 'behind', changesBehind: 1, syncedAt: at(5) }, now)).toBe(
      '1 change behind · synced 5 minutes ago',
    );
    expect(syncStatusText({ state: 'behind', changesBehind: 42, syncedAt: at(180) }, now)).toBe(
      '42 changes behind · synced 3 hours ago',
    );
    expect(syncStatusText({ state: 'first_sync', percent: 37, syncedAt: at(1) }, now)).toBe(
      'First sync 37 % · synced 1 minute ago',
    );
    expect(syncStatusText({ state: 'log_expired', syncedAt: at(60 * 24 * 100) }, now)).toBe(
      'Too far behind to catch up: it syncs again from the start when it connects · synced 100 days ago',
    );
    expect(syncStatusText({ state: 'never' }, now)).toBe('Not synced yet');
  });

  it('leaves out the time it does not know, and says nothing for a phone or an older server', () => {
    expect(syncStatusText({ state: 'up_to_date', syncedAt: null }, now)).toBe('Up to date');
    expect(syncStatusText({ state: 'behind', changesBehind: 2, syncedAt: at(60 * 24) }, now)).toBe(
      '2 changes behind · synced yesterday',
    );
    expect(syncStatusText(null, now)).toBeNull();
    expect(syncStatusText(undefined, now)).toBeNull();
  });
});
