import { DEFAULT_PREFERENCES, preferencesOf, shouldNotify } from './preferences';

describe('preferences', () => {
  it('fills in what the synced settings do not say, and keeps what they do', () => {
    expect(preferencesOf({})).toEqual(DEFAULT_PREFERENCES);
    expect(preferencesOf({ theme: 'dark', sendOnEnter: false, somethingNewer: 1 })).toEqual({
      theme: 'dark',
      notifications: 'all',
      sendOnEnter: false,
      sendReadReceipts: true,
    });
    expect(preferencesOf({ sendReadReceipts: false }).sendReadReceipts).toBe(false);
  });

  it('notifies for everything, nothing, or only messages that name the user', () => {
    const prefs = (notifications: 'all' | 'mentions' | 'none') => ({ ...DEFAULT_PREFERENCES, notifications });
    expect(shouldNotify(prefs('all'), 'hello', 'alex')).toBe(true);
    expect(shouldNotify(prefs('none'), '@alex look', 'alex')).toBe(false);
    expect(shouldNotify(prefs('mentions'), 'hello', 'alex')).toBe(false);
    expect(shouldNotify(prefs('mentions'), '@alex look at this', 'alex')).toBe(true);
    expect(shouldNotify(prefs('mentions'), 'thanks, @Alex!', 'alex')).toBe(true);
    expect(shouldNotify(prefs('mentions'), '@alexandra look', 'alex')).toBe(false);
    expect(shouldNotify(prefs('mentions'), 'mail me at bob@alex.com', 'alex')).toBe(false);
    expect(shouldNotify(prefs('mentions'), '@a.b here', 'a.b')).toBe(true);
  });
});
