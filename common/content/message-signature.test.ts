import { generateChatKey, generateSigningKeyPair, initCrypto } from '../crypto';
import {
  checkMessageSignature,
  decryptMessageBody,
  encryptMessageBody,
  type MessageBody,
  type MessageOrigin,
  SIGNING_INTRODUCED_AT,
  signMessageBody,
} from './index';

beforeAll(initCrypto);

const origin: MessageOrigin = { chatId: 'chat-1', messageId: 'msg-1', senderUserId: 'alice' };
const after = SIGNING_INTRODUCED_AT + 60_000;

describe('message signatures', () => {
  it('a signed body verifies against its author, inside the envelope it travels in', () => {
    const alice = generateSigningKeyPair();
    const key = generateChatKey();
    const signed = signMessageBody(alice, origin, { text: 'hi', senderName: 'alice', sentAt: after });
    const opened = decryptMessageBody(
      key,
      origin.chatId,
      origin.messageId,
      encryptMessageBody(key, origin.chatId, origin.messageId, signed),
    );
    expect(opened.sig).toBe(signed.sig);
    expect(checkMessageSignature(opened, origin, alice.publicKey)).toBe('verified');
  });

  it.each<[string, Partial<MessageOrigin>, Partial<MessageBody>]>([
    ['another sender (the server re-attributes it)', { senderUserId: 'bob' }, {}],
    ['another chat', { chatId: 'chat-2' }, {}],
    ['another message id', { messageId: 'msg-2' }, {}],
    ['another time', {}, { sentAt: after + 1 }],
    ['another text', {}, { text: 'hj' }],
    ['another claimed name', {}, { senderName: 'bob' }],
    ['a category added', {}, { category: 'x' }],
  ])('is unverified when anything it covers changes: %s', (_, originChange, bodyChange) => {
    const alice = generateSigningKeyPair();
    const signed = signMessageBody(alice, origin, { text: 'hi', senderName: 'alice', sentAt: after });
    expect(checkMessageSignature({ ...signed, ...bodyChange }, { ...origin, ...originChange }, alice.publicKey)).toBe(
      'unverified',
    );
  });

  it('another key, or a sender with no signing key, does not verify a signature', () => {
    const signed = signMessageBody(generateSigningKeyPair(), origin, {
      text: 'hi',
      senderName: 'alice',
      sentAt: after,
    });
    expect(checkMessageSignature(signed, origin, generateSigningKeyPair().publicKey)).toBe('unverified');
    expect(checkMessageSignature(signed, origin, null)).toBe('unverified');
  });

  it('an unsigned body is legacy when written before signing or when its sender has no key, else unverified', () => {
    const unsigned = { text: 'old', senderName: 'alice', sentAt: after };
    expect(checkMessageSignature(unsigned, origin, null)).toBe('legacy');
    expect(
      checkMessageSignature(
        { ...unsigned, sentAt: SIGNING_INTRODUCED_AT - 1 },
        origin,
        generateSigningKeyPair().publicKey,
      ),
    ).toBe('legacy');
    expect(checkMessageSignature(unsigned, origin, generateSigningKeyPair().publicKey)).toBe('unverified');
  });

  it('length prefixes keep field boundaries: moving characters between fields breaks the signature', () => {
    const alice = generateSigningKeyPair();
    const signed = signMessageBody(
      alice,
      { ...origin, messageId: 'msg-1a' },
      { text: 'hi', senderName: 'alice', sentAt: after },
    );
    expect(checkMessageSignature(signed, { ...origin, messageId: 'msg-1', chatId: 'chat-1a' }, alice.publicKey)).toBe(
      'unverified',
    );
  });
});
