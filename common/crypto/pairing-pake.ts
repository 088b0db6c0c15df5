import { concat, type CpaceParty, cpaceFinish, cpaceStart, lvCat } from './cpace';
import { CryptoError } from './errors';
import { fromBase64Url, toBase64Url, utf8 } from './encoding';
import { normalizeCheckCode } from './check-code';
import { randomBytes } from './random';
import { sodium } from './sodium';

/**
 * The typed-code pairing (protocol 2): CPace keyed by the desktop's check code.
 *
 *   desktop (initiator)                         server                        phone (responder)
 *   code, sid, Ya = ya·g(code, sid)  ──sid, Ya──▶  stores  ──pairing id, key, sid, Ya──▶  user types code
 *                                                                           Yb = yb·g(code, sid)
 *                                                                           ISK = H(sid, yb·Ya, Ya‖ADa, Yb‖ADb)
 *   ISK = H(sid, ya·Yb, …) ◀── Yb, box ── stores ◀── Yb, box = AEAD(KDF(ISK), bundle, AD = pairing id)
 *   opens box or rejects
 *
 * ADa binds the pairing id and the desktop's X25519 key; the box's AEAD tag is the key confirmation: it
 * opens only for someone who ran CPace with the same code and saw the same shares. The server, relaying
 * everything, holds neither scalar: substituting a share of its own is a single guess of the code.
 */
export const PAIRING_PAKE_CI = utf8.encode('symc pairing v2');
export const PAKE_SID_BYTES = 16;
export const PAKE_BOX_PATTERN = /^p2\.[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{22,}$/;

export interface PakeTranscript {
  readonly pairingId: string;
  /** The desktop's X25519 pairing key (base64url), as the desktop posted it. */
  readonly desktopPublicKey: string;
  readonly sid: string;
}

function passwordFor(checkCode: string): Uint8Array {
  const normalized = normalizeCheckCode(checkCode);
  if (normalized === null) throw new CryptoError('malformed_encoding', 'the check code must be 6 digits');
  return utf8.encode(normalized.replace(' ', ''));
}

function sidBytes(sid: string): Uint8Array {
  const bytes = fromBase64Url(sid, 'pairing sid');
  if (bytes.length !== PAKE_SID_BYTES)
    throw new CryptoError('bad_key_length', `pairing sid must be ${PAKE_SID_BYTES} bytes`);
  return bytes;
}

function associatedData(t: PakeTranscript) {
  return {
    initiator: lvCat(
      utf8.encode('desktop'),
      utf8.encode(t.pairingId),
      fromBase64Url(t.desktopPublicKey, 'desktop key'),
    ),
    responder: utf8.encode('phone'),
  };
}

/** KDF(ISK) → the bundle key; the label keeps it apart from any other use of the same ISK. */
function bundleKey(isk: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(32, utf8.encode('symc pairing bundle key'), isk);
}

function boxAd(t: PakeTranscript, desktopShare: string, phoneShare: string): Uint8Array {
  return concat(
    utf8.encode('symc/pairing/v2/'),
    lvCat(utf8.encode(t.pairingId), utf8.encode(desktopShare), utf8.encode(phoneShare)),
  );
}

/** The desktop's half, made before the session is posted. Keep `party` secret; post `sid` and `share`. */
export interface DesktopPake {
  readonly sid: string;
  readonly share: string;
  readonly party: CpaceParty;
}

export function startDesktopPake(checkCode: string): DesktopPake {
  const sid = randomBytes(PAKE_SID_BYTES);
  const party = cpaceStart({ prs: passwordFor(checkCode), ci: PAIRING_PAKE_CI, sid });
  return { sid: toBase64Url(sid), share: toBase64Url(party.share), party };
}

/** Phone: run CPace with the typed code against the desktop's share and encrypt `plaintext` under the result. */
export function sealWithCheckCode(
  checkCode: string,
  transcript: PakeTranscript,
  desktopShare: string,
  plaintext: Uint8Array,
): { readonly phoneShare: string; readonly box: string } {
  const sid = sidBytes(transcript.sid);
  const phone = cpaceStart({ prs: passwordFor(checkCode), ci: PAIRING_PAKE_CI, sid });
  const isk = cpaceFinish(
    phone,
    'responder',
    sid,
    { share: fromBase64Url(desktopShare, 'desktop share') },
    associatedData(transcript),
  );
  const phoneShare = toBase64Url(phone.share);
  const key = bundleKey(isk);
  const nonce = randomBytes(sodium().crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ciphertext = sodium().crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    boxAd(transcript, desktopShare, phoneShare),
    null,
    nonce,
    key,
  );
  sodium().memzero(key);
  sodium().memzero(phone.scalar);
  return { phoneShare, box: `p2.${toBase64Url(nonce)}.${toBase64Url(ciphertext)}` };
}

/**
 * Desktop: finish CPace with the phone's share and open the box. Throws `decrypt_failed` when the phone
 * used another code, or the share or box was replaced or altered on the way — one error for all of them.
 */
export function openWithCheckCode(
  desktop: DesktopPake,
  transcript: PakeTranscript,
  phoneShare: string,
  box: string,
): Uint8Array {
  const parts = box.split('.');
  if (parts.length !== 3 || parts[0] !== 'p2') throw new CryptoError('malformed_encoding', 'not a pairing box');
  let key: Uint8Array;
  try {
    key = bundleKey(
      cpaceFinish(
        desktop.party,
        'initiator',
        sidBytes(transcript.sid),
        { share: fromBase64Url(phoneShare, 'phone share') },
        associatedData(transcript),
      ),
    );
  } catch {
    throw new CryptoError('decrypt_failed', 'the phone share is not valid');
  }
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      fromBase64Url(parts[2] ?? '', 'pairing box'),
      boxAd(transcript, desktop.share, phoneShare),
      fromBase64Url(parts[1] ?? '', 'pairing box nonce'),
      key,
    );
  } catch {
    throw new CryptoError('decrypt_failed', 'the pairing box does not open with this check code');
  } finally {
    sodium().memzero(key);
  }
}

/** Constant-time equality of two secrets given as text (e.g. the QR secret echoed back in the bundle). */
export function secretsEqual(a: string, b: string): boolean {
  const ea = utf8.encode(a);
  const eb = utf8.encode(b);
  return ea.length === eb.length && sodium().memcmp(ea, eb);
}
