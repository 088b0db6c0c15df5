import { z } from 'zod';
import {
  type ChatKey,
  decryptJson,
  type Envelope,
  encryptJson,
  fromBase64Url,
  type SigningKeyPair,
  signDetached,
  toBase64Url,
  verifyDetached,
} from '../crypto';
import { encodeParts, type MessageOrigin } from './message-signature';

/**
 * A new version of a message's text (docs/MESSAGES.md), inside an envelope under the chat key bound to
 * (chatId, messageId, version). The server checks that the editor is the author, but it could lie: so the
 * edit carries the author's Ed25519 signature over the chat, the message, the author, the version, the
 * time and the text, and clients show an edit only when it verifies with the original author's signing
 * key. A server (or another member, who holds the chat key) can't forge one, re-number one, or move one
 * to another message.
 */
export const MessageEditBody = z.object({
  text: z.string().max(64 * 1024),
  /** Client time of the edit (ms since epoch). */
  editedAt: z.number().int(),
  sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/, { message: 'must be a 64-byte signature in base64url' }),
});
export type MessageEditBody = z.infer<typeof MessageEditBody>;

const DOMAIN = 'symc/v1/message-edit';

export function messageEditSignatureInput(
  origin: MessageOrigin,
  version: number,
  edit: { readonly text: string; readonly editedAt: number },
): Uint8Array {
  return encodeParts([
    DOMAIN,
    origin.chatId,
    origin.messageId,
    origin.senderUserId,
    String(version),
    String(edit.editedAt),
    edit.text,
  ]);
}

export function signMessageEdit(
  signing: SigningKeyPair,
  origin: MessageOrigin,
  version: number,
  edit: { readonly text: string; readonly editedAt: number },
): MessageEditBody {
  const input = messageEditSignatureInput(origin, version, edit);
  return { text: edit.text, editedAt: edit.editedAt, sig: toBase64Url(signDetached(input, signing.secretKey)) };
}

/** `signingPublicKey`: the directory's key of the message's author (null: none — then no edit verifies). */
export function checkMessageEdit(
  body: MessageEditBody,
  origin: MessageOrigin,
  version: number,
  signingPublicKey: Uint8Array | null,
): boolean {
  if (signingPublicKey === null) return false;
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(body.sig, 'edit signature');
  } catch {
    return false;
  }
  return verifyDetached(signature, messageEditSignatureInput(origin, version, body), signingPublicKey);
}

export function encryptMessageEdit(
  key: ChatKey,
  chatId: string,
  messageId: string,
  version: number,
  body: MessageEditBody,
): Envelope {
  return encryptJson(key, MessageEditBody.parse(body), {
    kind: 'message-edit',
    chatId,
    messageId,
    version: String(version),
  });
}

export function decryptMessageEdit(
  key: ChatKey,
  chatId: string,
  messageId: string,
  version: number,
  envelope: string,
): MessageEditBody {
  return MessageEditBody.parse(
    decryptJson(key, envelope, { kind: 'message-edit', chatId, messageId, version: String(version) }),
  );
}
