import { buildPairingLink, createApiClient, PairingLinkError } from '../../../common/contract';
import {
  encodePublicKey,
  generateBoxKeyPair,
  initCrypto,
  randomBytes,
  randomId,
  startDesktopPake,
  toBase64Url,
} from '../../../common/crypto';
import { approvePairing, lookupPairing, parsePairingInput, PairingRefused, type PendingPairing } from './pairing';
import type { PhoneSession } from './account';

beforeAll(initCrypto);

const origin = 'http://127.0.0.1:8787';
const link = () =>
  buildPairingLink({
    pairingId: randomId(),
    desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
    serverOrigin: origin,
    qrSecret: toBase64Url(randomBytes(16)),
  });

/** A client whose every request is recorded and refused: proves "nothing sent". */
function recordingClient() {
  const sent: string[] = [];
  const client = createApiClient({
    baseUrl: origin,
    fetch: (async (url: string) => {
      sent.push(String(url));
      throw new Error('offline');
    }) as unknown as typeof fetch,
  });
  return { client, sent };
}

describe('parsing what the phone scanned or was given', () => {
  it('accepts a pairing link and a typed code in the usual spellings', () => {
    const text = link();
    expect(parsePairingInput(`  ${text} `)).toMatchObject({ kind: 'link', link: { version: 2, serverOrigin: origin } });
    expect(parsePairingInput('abcd-efgh')).toEqual({ kind: 'code', code: 'ABCDEFGH' });
    expect(parsePairingInput('ABCD EFGH')).toEqual({ kind: 'code', code: 'ABCDEFGH' });
  });

  it.each<[string, () => string, string, RegExp]>([
    ['random text', () => 'hello there', 'malformed', /not a Symc pairing link|Paste the link/],
    ['another scheme', () => 'https://example.com/pair?v=1', 'malformed', /Paste the link/],
    [
      'an unknown version',
      () => link().replace('v=2', 'v=7'),
      'unsupported_version',
      /version 7.*Update the app on this phone/,
    ],
    [
      'a link from a protocol-1 desktop',
      () => link().replace('v=2', 'v=1'),
      'unsupported_version',
      /older Symc desktop.*Update Symc on the desktop/,
    ],
    ['no version', () => link().replace('v=2&', ''), 'unsupported_version', /no version/],
    ['no QR secret', () => link().replace(/&t=[^&]+/, ''), 'malformed', /no valid secret/],
    ['a bad key encoding', () => link().replace(/k=[^&]+/, 'k=not*base64'), 'bad_key', /desktop key/],
    ['a short key', () => link().replace(/k=[^&]+/, 'k=AAAA'), 'bad_key', /desktop key/],
    ['a bad session id', () => link().replace(/id=[^&]+/, 'id=123'), 'malformed', /session id/],
    ['a bad server', () => link().replace(/s=[^&]+/, 's=ftp%3A%2F%2Fx'), 'bad_server', /server address/],
  ])('refuses %s with a clear reason', (_label, text, reason, message) => {
    try {
      parsePairingInput(text());
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(PairingLinkError);
      expect((error as PairingLinkError).reason).toBe(reason);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('approving', () => {
  const me = {
    userId: '6f1c1f7e-8a53-4b8e-9d64-0c8f4f1f2b11',
    username: 'me',
    masterKey: new Uint8Array(32),
  } as unknown as PhoneSession;
  const pending = (): PendingPairing => {
    const key = encodePublicKey(generateBoxKeyPair().publicKey);
    const pake = startDesktopPake('123 456');
    return {
      via: 'code',
      pake: { sid: pake.sid, share: pake.share },
      info: {
        pairingId: randomId(),
        pairingCode: 'ABCD-EFGH',
        desktopPublicKey: key,
        pake: { sid: pake.sid, share: pake.share },
        deviceName: 'Laptop',
        platform: 'linux',
        createdAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        status: 'pending',
      },
    };
  };

  it('on the typed-code path a missing or malformed check code is refused on the phone and nothing is sent', async () => {
    const { client, sent } = recordingClient();
    await expect(approvePairing(client, me, pending())).rejects.toMatchObject({ reason: 'bad_check_code' });
    await expect(approvePairing(client, me, pending(), 'abc')).rejects.toMatchObject({ reason: 'bad_check_code' });
    expect(sent).toEqual([]);
  });

  it('a link for another server is refused before anything is sent', async () => {
    const { client, sent } = recordingClient();
    const other = parsePairingInput(
      link().replace(encodeURIComponent(origin), encodeURIComponent('http://evil.example')),
    );
    await expect(lookupPairing(client, other)).rejects.toBeInstanceOf(PairingRefused);
    expect(sent).toEqual([]);
  });
});
