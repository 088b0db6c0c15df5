import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const backoff = { initialMs: 500, maxMs: 30_000 };

  it('waits nothing before the first failure, then doubles from initialMs up to maxMs', () => {
    expect([0, 1, 2, 3, 4, 6, 7, 100, 10_000].map((n) => backoffDelay(n, backoff))).toEqual([
      0, 500, 1_000, 2_000, 4_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('jitter shortens a delay by at most its share, never lengthens it', () => {
    expect(backoffDelay(3, backoff, 0.5, () => 0)).toBe(2_000);
    expect(backoffDelay(3, backoff, 0.5, () => 0.5)).toBe(1_500);
    expect(backoffDelay(3, backoff, 0.5, () => 0.999_999)).toBeCloseTo(1_000, 2);
    for (let i = 0; i < 1_000; i++) {
      const delay = backoffDelay(20, backoff, 0.25);
      expect(delay).toBeGreaterThan(30_000 * 0.75 - 1e-9);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });
});
