import { ApiError, PairingLinkError } from '../../../common/contract';
import { CryptoError } from '../../../common/crypto';
import { asSentence, describePairingStatus, explainError, explainPairingError } from './explain-error';
import { PairingRefused } from './pairing';

describe('errors, in words a person can act on', () => {
  it('shows our own refusals as written', () => {
    expect(explainError(new PairingLinkError('malformed', 'This is not a Symc pairing link.'))).toBe(
      'This is not a Symc pairing link.',
    );
    expect(
      explainError(new PairingRefused('bad_check_code', 'Type the 6-digit check code shown on the desktop.')),
    ).toBe('Type the 6-digit check code shown on the desktop.');
  });

  it('turns the server’s messages into sentences', () => {
    expect(explainError(new ApiError(409, 'conflict', 'this pairing was approved already'))).toBe(
      'This pairing was approved already.',
    );
    expect(explainError(new ApiError(400, 'validation_failed', 'body.username: must be 3–32 characters'))).toBe(
      'Username: must be 3–32 characters.',
    );
    expect(asSentence('done!')).toBe('Done!');
  });

  it('words transport and session failures for a phone', () => {
    expect(explainError(new ApiError(0, 'network_error', 'cannot reach the server: fetch failed'))).toMatch(
      /Can’t reach the Symc server/,
    );
    expect(explainError(new ApiError(401, 'invalid_credentials', 'wrong username or password'))).toBe(
      'Wrong username or password.',
    );
    expect(explainError(new ApiError(403, 'device_revoked', 'x'))).toMatch(/unlinked/);
    expect(explainError(new CryptoError('decrypt_failed', 'bad tag'))).toMatch(/could not decrypt/);
    expect(explainError('???')).toBe('Something went wrong.');
  });

  it('explains pairing lookups that find nothing, and codes that can no longer be approved', () => {
    expect(explainPairingError(new ApiError(404, 'not_found', 'pairing code not found'))).toMatch(
      /No desktop is waiting/,
    );
    expect(
      explainPairingError(
        new ApiError(410, 'gone', 'this pairing code has expired; show a new QR code on the desktop'),
      ),
    ).toBe('This pairing code has expired; show a new QR code on the desktop.');
    expect(describePairingStatus('pending')).toBeNull();
    expect(describePairingStatus('expired')).toMatch(/expired/);
    expect(describePairingStatus('consumed')).toMatch(/used already/);
    expect(describePairingStatus('rejected')).toMatch(/check code didn’t match/);
  });
});
