import { readdirSync } from 'node:fs';
import { FIRST_SCREEN_MESSAGES } from '../../../../common/contract';
import { initCrypto } from '../../../../common/crypto';
import { warmUpSyncPath } from './warm-up';

beforeAll(initCrypto);

describe('warmUpSyncPath (runs while the pairing QR is on screen)', () => {
  it('parses, stores and decrypts a first screen of made-up history, through the real pipeline', () => {
    expect(warmUpSyncPath()).toBe(FIRST_SCREEN_MESSAGES);
    expect(warmUpSyncPath(3)).toBe(3);
  });

  it('leaves nothing behind: the store lived in memory', () => {
    const before = readdirSync(process.cwd()).sort();
    warmUpSyncPath(5);
    expect(readdirSync(process.cwd()).sort()).toEqual(before);
  });
});
