import {
  CryptoError,
  encodePublicKey,
  generateBoxKeyPair,
  initCrypto,
  newCheckCode,
  openWithCheckCode,
  sealWithCheckCode,
  startDesktopPake,
  utf8,
} from './index';

beforeAll(initCrypto);

const setup = (code = '123 456') => {
  const desktop = startDesktopPake(code);
  const transcript = {
    pairingId: '6f1c1c53-3f8e-4c7a-9a62-0a4c5a0e2b11',
    desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
    sid: desktop.sid,
  };
  return { desktop, transcript };
};
const secret = utf8.encode('{"masterKey":"…"}');

describe('typed-code pairing (CPace keyed by the check code)', () => {
  it('the phone that typed the desktop’s code seals a box only that desktop opens', () => {
    const { desktop, transcript } = setup('123 456');
    const sealed = sealWithCheckCode('123456', transcript, desktop.share, secret);
    expect(utf8.decode(openWithCheckCode(desktop, transcript, sealed.phoneShare, sealed.box))).toBe(
      utf8.decode(secret),
    );
  });

  it('a wrong code fails authentication on the desktop', () => {
    const { desktop, transcript } = setup('123 456');
    const sealed = sealWithCheckCode('123 457', transcript, desktop.share, secret);
    expect(() => openWithCheckCode(desktop, transcript, sealed.phoneShare, sealed.box)).toThrow(
      expect.objectContaining({ code: 'decrypt_failed' }),
    );
  });

  it('a server that swaps in its own share learns the bundle only if it guessed the code (one guess per run)', () => {
    const { desktop, transcript } = setup('123 456');
    // The server runs the desktop's half itself with a guessed code and hands the phone its share instead.
    const wrongGuess = startDesktopPake('000 000');
    const serverTranscript = { ...transcript, sid: wrongGuess.sid };
    const sealed = sealWithCheckCode('123 456', serverTranscript, wrongGuess.share, secret);
    expect(() => openWithCheckCode(wrongGuess, serverTranscript, sealed.phoneShare, sealed.box)).toThrow(CryptoError);
    // …and the real desktop can't open it either: the phone ran against another share.
    expect(() => openWithCheckCode(desktop, transcript, sealed.phoneShare, sealed.box)).toThrow(CryptoError);
    // The attack's only way in: guessing right (10^-6 with a random code).
    const rightGuess = startDesktopPake('123 456');
    const lucky = { ...transcript, sid: rightGuess.sid };
    const sealed2 = sealWithCheckCode('123 456', lucky, rightGuess.share, secret);
    expect(utf8.decode(openWithCheckCode(rightGuess, lucky, sealed2.phoneShare, sealed2.box))).toBe(
      utf8.decode(secret),
    );
  });

  it('a box made by anyone without the code is refused, whatever share comes with it', () => {
    const { desktop, transcript } = setup(newCheckCode());
    // The server forges an approval: it runs the phone's half with its best guess.
    const forged = sealWithCheckCode('999 999', transcript, desktop.share, utf8.encode('{"masterKey":"server’s own"}'));
    expect(() => openWithCheckCode(desktop, transcript, forged.phoneShare, forged.box)).toThrow(
      expect.objectContaining({ code: 'decrypt_failed' }),
    );
  });

  it('the box is bound to its pairing, its key and both shares', () => {
    const { desktop, transcript } = setup('123 456');
    const sealed = sealWithCheckCode('123 456', transcript, desktop.share, secret);
    const other = sealWithCheckCode('123 456', transcript, desktop.share, secret);
    // The right box with another run's share, or the right share and box under another pairing id or key.
    expect(() => openWithCheckCode(desktop, transcript, other.phoneShare, sealed.box)).toThrow(CryptoError);
    expect(() =>
      openWithCheckCode(
        desktop,
        { ...transcript, pairingId: 'b1a7c4a2-0000-4000-8000-000000000000' },
        sealed.phoneShare,
        sealed.box,
      ),
    ).toThrow(CryptoError);
    expect(() =>
      openWithCheckCode(
        desktop,
        { ...transcript, desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey) },
        sealed.phoneShare,
        sealed.box,
      ),
    ).toThrow(CryptoError);
    // An invalid share (the identity) is refused, not turned into a known key.
    expect(() => openWithCheckCode(desktop, transcript, 'A'.repeat(43), sealed.box)).toThrow(CryptoError);
  });
});
