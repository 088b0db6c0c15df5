import { expiryText } from './device-expiry';

describe('expiryText', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  it('says the date a device is unlinked if it stays unused', () => {
    expect(expiryText('2027-01-02T12:00:00.000Z', now)).toBe('Unlinked on 2 Jan 2027 if not used before');
  });
  it('says nothing when expiry is off or the server does not tell', () => {
    expect(expiryText(null, now)).toBeNull();
    expect(expiryText(undefined, now)).toBeNull();
  });
  it('a date already passed: the next sweep unlinks it', () => {
    expect(expiryText('2026-12-01T00:00:00.000Z', now)).toBe('Unlinked soon: unused for too long');
  });
});
