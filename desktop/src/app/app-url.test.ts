import { APP_URL, isAppUrl } from './app-url';

describe('isAppUrl', () => {
  it('accepts our renderer pages (whose Node origin is the opaque "null")', () => {
    expect(new URL(APP_URL).origin).toBe('null'); // why an origin comparison can't be used
    expect(isAppUrl(APP_URL)).toBe(true);
    expect(isAppUrl('app://symc/assets/index-abc.js')).toBe(true);
    expect(isAppUrl('app://symc/index.html#/chat/1?x=1')).toBe(true);
  });

  it('refuses anything else', () => {
    for (const url of [
      'app://evil/index.html',
      'app://symc.evil.com/index.html',
      'app://user:pw@symc/index.html',
      'https://symc/index.html',
      'file:///symc/index.html',
      'about:blank',
      'null',
      '',
      'app:symc',
    ]) {
      expect([url, isAppUrl(url)]).toEqual([url, false]);
    }
  });
});
