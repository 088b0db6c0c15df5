import { decryptBytes, encryptBytes, type Envelope } from './envelope';
import { type ChatKey, chatKeyFromBytes, type MasterKey } from './keys';

/** Chat key at rest for one member: `wrappedChatKey = AEAD(CK, MK_member)` bound to (chatId, userId). */
export function wrapChatKey(chatKey: ChatKey, masterKey: MasterKey, chatId: string, userId: string): Envelope {
  return encryptBytes(masterKey, chatKey, { kind: 'chat-key', chatId, userId });
}

export function unwrapChatKey(envelope: string, masterKey: MasterKey, chatId: string, userId: string): ChatKey {
  return chatKeyFromBytes(decryptBytes(masterKey, envelope, { kind: 'chat-key', chatId, userId }));
}

/** The identity secret key lives on the server wrapped by the master key (recoverable on any linked device). */
export function wrapIdentitySecretKey(secretKey: Uint8Array, masterKey: MasterKey, userId: string): Envelope {
  return encryptBytes(masterKey, secretKey, { kind: 'identity-secret-key', userId });
}

export function unwrapIdentitySecretKey(envelope: string, masterKey: MasterKey, userId: string): Uint8Array {
  return decryptBytes(masterKey, envelope, { kind: 'identity-secret-key', userId });
}
