import { CryptoError, decryptText, encryptText, generateChatKey, initCrypto, type EnvelopeContext } from './index';

beforeAll(initCrypto);

const context: EnvelopeContext = { kind: 'message-body', chatId: 'chat-1', messageId: 'msg-1' };

function expectCryptoError(fn: () => unknown, code: CryptoError['code']): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoError);
    expect((error as CryptoError).code).toBe(code);
    return;
  }
  throw new Error(`expected CryptoError ${code}, nothing was thrown`);
}

describe('AEAD envelopes', () => {
  it('round-trips text in the context it was written for', () => {
    const key = generateChatKey();
    const envelope = encryptText(key, 'hello ünïcode 👋', context);
    expect(envelope).toMatch(/^v1\./);
    expect(envelope).not.toContain('hello');
    expect(decryptText(key, envelope, context)).toBe('hello ünïcode 👋');
  });

  it('never produces the same ciphertext twice for the same plaintext (random nonce)', () => {
    const key = generateChatKey();
    expect(encryptText(key, 'same', context)).not.toBe(encryptText(key, 'same', context));
  });

  it('when one bit of the ciphertext is flipped, decryption is rejected', () => {
    const key = generateChatKey();
    const envelope = encryptText(key, 'attack at dawn', context);
    const [version, nonce, body] = envelope.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[3] = (bytes[3] ?? 0) ^ 0x01;
    const tampered = `${version}.${nonce}.${bytes.toString('base64url')}`;
    expectCryptoError(() => decryptText(key, tampered, context), 'decrypt_failed');
  });

  it('when the envelope is moved to another row (swapped message id), decryption is rejected', () => {
    const key = generateChatKey();
    const envelope = encryptText(key, 'for msg-1 only', context);
    expectCryptoError(() => decryptText(key, envelope, { ...context, messageId: 'msg-2' }), 'decrypt_failed');
    expectCryptoError(() => decryptText(key, envelope, { ...context, chatId: 'chat-2' }), 'decrypt_failed');
  });

  it('when the envelope is moved to another field, decryption is rejected', () => {
    const key = generateChatKey();
    const envelope = encryptText(key, 'title', { kind: 'chat-meta', chatId: 'chat-1' });
    expectCryptoError(
      () => decryptText(key, envelope, { kind: 'draft', userId: 'chat-1', chatId: 'chat-1' }),
      'decrypt_failed',
    );
  });

  it('when the key is wrong, decryption is rejected', () => {
    const envelope = encryptText(generateChatKey(), 'secret', context);
    expectCryptoError(() => decryptText(generateChatKey(), envelope, context), 'decrypt_failed');
  });

  it('when the version is unknown, decryption is rejected as unsupported', () => {
    const key = generateChatKey();
    const envelope = encryptText(key, 'secret', context);
    expectCryptoError(() => decryptText(key, envelope.replace(/^v1/, 'v2'), context), 'unsupported_version');
  });

  it('when the text is not an envelope at all, it is rejected as malformed', () => {
    const key = generateChatKey();
    expectCryptoError(() => decryptText(key, 'plain text', context), 'malformed_encoding');
    expectCryptoError(() => decryptText(key, 'v1.@@@.###', context), 'malformed_encoding');
  });
});
