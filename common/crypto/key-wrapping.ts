import { decryptBytes, encryptBytes, type Envelope, keyVersionPart } from './envelope';
import { type ChatKey, chatKeyFromBytes, type MasterKey } from './keys';

/**
 * Chat key at rest for one member: `wrappedChatKey = AEAD(CK, MK_member)` bound to (chatId, userId, key
 * version): the server can't hand a member's version-1 copy back as version 2.
 */
export function wrapChatKey(
  chatKey: ChatKey,
  masterKey: MasterKey,
  chatId: string,
  userId: string,
  keyVersion = 1,
): Envelope {
  return encryptBytes(masterKey, chatKey, { kind: 'chat-key', chatId, userId, ...keyVersionPart(keyVersion) });
}

export function unwrapChatKey(
  envelope: string,
  masterKey: MasterKey,
  chatId: string,
  userId: string,
  keyVersion = 1,
): ChatKey {
  return chatKeyFromBytes(
    decryptBytes(masterKey, envelope, { kind: 'chat-key', chatId, userId, ...keyVersionPart(keyVersion) }),
  );
}

/** The identity secret key lives on the server wrapped by the master key (recoverable on any linked device). */
export function wrapIdentitySecretKey(secretKey: Uint8Array, masterKey: MasterKey, userId: string): Envelope {
  return encryptBytes(masterKey, secretKey, { kind: 'identity-secret-key', userId });
}

export function unwrapIdentitySecretKey(envelope: string, masterKey: MasterKey, userId: string): Uint8Array {
  return decryptBytes(masterKey, envelope, { kind: 'identity-secret-key', userId });
}
