import { type ChatKey, CryptoError, decryptBytes, keyVersionPart, wipe } from '../../../../common/crypto';

/**
 * Whether a message's envelope opens under its chat key, in its own row (chat id + message id are the
 * additional data). Checked once on arrival, so a damaged or swapped ciphertext is reported and never
 * stored; the plaintext is wiped at once — the store keeps only what the server sent.
 * Cost: one AEAD open per message (~3 µs for a short message), paid inside the batch's transaction.
 */
export function messageEnvelopeOpens(
  key: ChatKey,
  chatId: string,
  messageId: string,
  ciphertext: string,
  keyVersion = 1,
): boolean {
  try {
    wipe(decryptBytes(key, ciphertext, { kind: 'message-body', chatId, messageId, ...keyVersionPart(keyVersion) }));
    return true;
  } catch (error) {
    if (error instanceof CryptoError) return false;
    throw error;
  }
}
