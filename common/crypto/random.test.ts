import { randomBytes, randomId, randomToken } from './random';
import { initCrypto } from './sodium';

describe('random', () => {
  beforeAll(() => initCrypto());

  it('randomId is an RFC 4122 version 4 UUID, and ids do not repeat', () => {
    const ids = Array.from({ length: 2000 }, () => randomId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('randomBytes fills buffers larger than one getRandomValues call allows (64 KiB), to the last byte', () => {
    const bytes = randomBytes(200_000);
    expect(bytes).toHaveLength(200_000);
    // Each 64 KiB slice, including the short last one, holds many distinct values (none left zeroed).
    for (const start of [0, 65_536, 131_072, 196_608]) {
      expect(new Set(bytes.subarray(start, start + 3_000)).size).toBeGreaterThan(200);
    }
  });

  it('randomToken carries 256 bits as base64url', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(token);
  });
});
