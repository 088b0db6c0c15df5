import { CryptoError } from './errors';
import { utf8 } from './encoding';
import { sodium } from './sodium';

/**
 * CPace (draft-irtf-cfrg-cpace), cipher suite CPACE-RISTR255-SHA512: a balanced PAKE. Two parties that
 * share a low-entropy password (here the check code the desktop shows) agree on a strong key over a
 * channel they don't trust. Whoever relays the messages without knowing the password gets one online
 * guess per run — a wrong guess yields an unrelated key, and the messages give nothing to test further
 * guesses against offline (each guess needs a discrete logarithm).
 *
 * The functions follow the draft's names so they can be checked against its test vectors line by line
 * (see cpace.test.ts). Deviation: none in the computation; `sampleScalar` draws uniformly from [1, L-1]
 * (libsodium's scalar_random), which the draft allows as the alternative to masking random bytes.
 */

const DSI = utf8.encode('CPaceRistretto255');
const DSI_ISK = utf8.encode('CPaceRistretto255_ISK');
/** SHA-512's input block size (H.s_in_bytes). */
const HASH_BLOCK_BYTES = 128;

/** prepend_len: the length as LEB128, then the bytes. */
export function prependLen(data: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let length = data.length;
  do {
    let byte = length & 0x7f;
    length >>>= 7;
    if (length > 0) byte |= 0x80;
    prefix.push(byte);
  } while (length > 0);
  return concat(Uint8Array.from(prefix), data);
}

export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concat(...parts.map(prependLen));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** generator_string(DSI, PRS, CI, sid, s_in_bytes): the password padded so it fills the hash's first block. */
export function generatorString(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpadLength = Math.max(0, HASH_BLOCK_BYTES - 1 - prependLen(prs).length - prependLen(DSI).length);
  return lvCat(DSI, prs, new Uint8Array(zpadLength), ci, sid);
}

/** calculate_generator: the password-dependent base point, encoded. */
export function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const s = sodium();
  return s.crypto_core_ristretto255_from_hash(s.crypto_hash_sha512(generatorString(prs, ci, sid)));
}

export function sampleScalar(): Uint8Array {
  return sodium().crypto_core_ristretto255_scalar_random();
}

/** scalar_mult(y, g): this party's share Y = y·g. */
export function scalarMult(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  return sodium().crypto_scalarmult_ristretto255(scalar, point);
}

/**
 * scalar_mult_vfy(y, X) with the draft's abort: a share that does not decode, or a result that is the
 * identity (a share of 0, or one chosen to force a known key), ends the run.
 */
export function scalarMultVfy(scalar: Uint8Array, share: Uint8Array): Uint8Array {
  if (share.length !== 32) throw new CryptoError('invalid_point', 'the CPace share must be 32 bytes');
  try {
    return sodium().crypto_scalarmult_ristretto255(scalar, share);
  } catch {
    throw new CryptoError('invalid_point', 'the CPace share is not a valid ristretto255 point');
  }
}

/** transcript_ir(Ya, ADa, Yb, ADb): initiator first, responder second (our roles are fixed). */
export function transcriptIr(ya: Uint8Array, adA: Uint8Array, yb: Uint8Array, adB: Uint8Array): Uint8Array {
  return concat(lvCat(ya, adA), lvCat(yb, adB));
}

/** ISK = H(lv_cat(DSI_ISK, sid, K) || transcript_ir(Ya, ADa, Yb, ADb)): 64 bytes. */
export function intermediateSessionKey(sid: Uint8Array, k: Uint8Array, transcript: Uint8Array): Uint8Array {
  return sodium().crypto_hash_sha512(concat(lvCat(DSI_ISK, sid, k), transcript));
}

/** Everything one party needs to run CPace once. The scalar is secret and single use. */
export interface CpaceParty {
  readonly scalar: Uint8Array;
  readonly share: Uint8Array;
}

export interface CpaceInputs {
  /** The password-related string: the shared secret. */
  readonly prs: Uint8Array;
  /** Channel identifier: binds the run to its purpose. */
  readonly ci: Uint8Array;
  /** Session id: fresh per run, known to both before the first message. */
  readonly sid: Uint8Array;
}

export function cpaceStart(inputs: CpaceInputs): CpaceParty {
  const scalar = sampleScalar();
  return { scalar, share: scalarMult(scalar, calculateGenerator(inputs.prs, inputs.ci, inputs.sid)) };
}

/** ISK from this party's scalar and the other's share; throws on an invalid share. */
export function cpaceFinish(
  self: CpaceParty,
  role: 'initiator' | 'responder',
  sid: Uint8Array,
  other: { readonly share: Uint8Array },
  ad: { readonly initiator: Uint8Array; readonly responder: Uint8Array },
): Uint8Array {
  const k = scalarMultVfy(self.scalar, other.share);
  const [ya, yb] = role === 'initiator' ? [self.share, other.share] : [other.share, self.share];
  return intermediateSessionKey(sid, k, transcriptIr(ya, ad.initiator, yb, ad.responder));
}
