import { fromBase64Url, type SigningKeyPair, signDetached, toBase64Url, utf8, verifyDetached } from '../crypto';
import { attachmentSignatureParts } from './attachment-ref';
import type { MessageBody } from './message-body';

/**
 * Who wrote a message, proven by the author's signing key (Ed25519), not by what the server says or what
 * the body claims. The signature lives *inside* the encrypted body (`MessageBody.sig`):
 * - the server can neither strip nor swap it without breaking the envelope's AEAD, so it cannot turn a
 *   signed message into an unsigned ("legacy") one;
 * - only chat members see it: the server holds no transferable proof of who wrote which ciphertext;
 * - the message record on the wire and in every store is unchanged, so old servers and stores carry it.
 *
 * It covers a canonical, domain-separated encoding of what identifies the message — chat id, message id,
 * the author's user id (the sender the server must name), sentAt — and every field of the body.
 */
export interface MessageOrigin {
  readonly chatId: string;
  readonly messageId: string;
  /** The author: the account whose signing key signs. Recipients put here the sender the server names. */
  readonly senderUserId: string;
}

export type UnsignedMessageBody = Omit<MessageBody, 'sig'>;

/**
 * How a recipient may show a message's author:
 * - `verified`: signed by the signing key of the sender the server names;
 * - `legacy`: unsigned, and written before signing existed (see `isLegacyUnsigned`): shown with the
 *   sender the server names and a mark that nothing proves it;
 * - `unverified`: a signature that does not check, a signature from a sender with no signing key, or an
 *   unsigned message from a sender who signs: never shown as that sender.
 */
export type SenderVerification = 'verified' | 'legacy' | 'unverified';

/**
 * Message signing ships on this date (UTC). An unsigned message is "legacy" only when the body says it was
 * written before it, or when its sender has no signing key yet (an account that hasn't opened a new app).
 * After that an unsigned message from a sender who has a key is unverified: every client that can sign does.
 */
export const SIGNING_INTRODUCED_AT = Date.UTC(2026, 11, 1);

const DOMAIN = 'symc/v1/message-signature';

/** Each part length-prefixed (u32 big-endian): no two different tuples encode to the same bytes. */
export function encodeParts(parts: readonly string[]): Uint8Array {
  const encoded = parts.map((p) => utf8.encode(p));
  const out = new Uint8Array(encoded.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of encoded) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

export function messageSignatureInput(origin: MessageOrigin, body: UnsignedMessageBody): Uint8Array {
  // A reply's quote is covered by four more parts (a marker, then the quote), only when present: the input of a message without
  // one is what it always was, so older clients still verify those (a reply shows unverified on them).
  const reply = body.replyTo ? ['reply', body.replyTo.messageId, body.replyTo.senderUserId, body.replyTo.text] : [];
  return encodeParts([
    DOMAIN,
    origin.chatId,
    origin.messageId,
    origin.senderUserId,
    String(body.sentAt),
    body.text,
    body.category === undefined ? '0' : '1',
    body.category ?? '',
    body.senderName,
    ...reply,
    // Appended only when present, so bodies signed before attachments existed still verify.
    ...(body.attachments && body.attachments.length > 0
      ? ['attachments', String(body.attachments.length), ...body.attachments.flatMap(attachmentSignatureParts)]
      : []),
  ]);
}

export function signMessageBody(
  signing: SigningKeyPair,
  origin: MessageOrigin,
  body: UnsignedMessageBody,
): MessageBody {
  const { text, senderName, sentAt, category, replyTo, attachments } = body;
  const unsigned: UnsignedMessageBody = {
    text,
    senderName,
    sentAt,
    ...(category !== undefined ? { category } : {}),
    ...(replyTo !== undefined ? { replyTo } : {}),
    ...(attachments !== undefined && attachments.length > 0 ? { attachments } : {}),
  };
  return { ...unsigned, sig: toBase64Url(signDetached(messageSignatureInput(origin, unsigned), signing.secretKey)) };
}

export function isLegacyUnsigned(body: MessageBody, signingPublicKey: Uint8Array | null): boolean {
  return body.sig === undefined && (signingPublicKey === null || body.sentAt < SIGNING_INTRODUCED_AT);
}

/** `signingPublicKey`: the directory's key of `origin.senderUserId` (null: that account has none). */
export function checkMessageSignature(
  body: MessageBody,
  origin: MessageOrigin,
  signingPublicKey: Uint8Array | null,
): SenderVerification {
  if (body.sig === undefined) return isLegacyUnsigned(body, signingPublicKey) ? 'legacy' : 'unverified';
  if (signingPublicKey === null) return 'unverified';
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(body.sig, 'message signature');
  } catch {
    return 'unverified';
  }
  return verifyDetached(signature, messageSignatureInput(origin, body), signingPublicKey) ? 'verified' : 'unverified';
}
