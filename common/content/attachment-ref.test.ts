import { generateChatKey, generateSigningKeyPair, initCrypto } from '../crypto';
import {
  type AttachmentRef,
  checkMessageSignature,
  decryptMessageBody,
  encryptMessageBody,
  MessageBody,
  messageSearchText,
  type MessageOrigin,
  SIGNING_INTRODUCED_AT,
  signMessageBody,
} from './index';

beforeAll(initCrypto);

const origin: MessageOrigin = { chatId: 'chat-1', messageId: 'msg-1', senderUserId: 'alice' };
const sentAt = SIGNING_INTRODUCED_AT + 60_000;
const photo: AttachmentRef = {
  id: '33333333-3333-4333-8333-333333333333',
  key: 'A'.repeat(43),
  size: 1234,
  mime: 'image/jpeg',
  name: 'beach.jpg',
  digest: 'B'.repeat(43),
  image: { width: 640, height: 480, thumbnail: 'AAAA', thumbnailMime: 'image/jpeg' },
};

describe('attachments in the message body', () => {
  it('travel inside the envelope and are covered by the signature', () => {
    const alice = generateSigningKeyPair();
    const key = generateChatKey();
    const signed = signMessageBody(alice, origin, { text: '', senderName: 'alice', sentAt, attachments: [photo] });
    const opened = decryptMessageBody(key, 'chat-1', 'msg-1', encryptMessageBody(key, 'chat-1', 'msg-1', signed));
    expect(opened.attachments).toEqual([photo]);
    expect(checkMessageSignature(opened, origin, alice.publicKey)).toBe('verified');
  });

  it.each<[string, Partial<AttachmentRef>]>([
    ['another blob', { id: '44444444-4444-4444-8444-444444444444' }],
    ['another key', { key: 'C'.repeat(43) }],
    ['another name', { name: 'invoice.pdf' }],
    ['another digest', { digest: 'D'.repeat(43) }],
    ['another size', { size: 1235 }],
  ])('a signed attachment changed by anyone but the author is unverified: %s', (_, change) => {
    const alice = generateSigningKeyPair();
    const signed = signMessageBody(alice, origin, { text: 'x', senderName: 'alice', sentAt, attachments: [photo] });
    const changed = { ...signed, attachments: [{ ...photo, ...change }] };
    expect(checkMessageSignature(changed, origin, alice.publicKey)).toBe('unverified');
    expect(checkMessageSignature({ ...signed, attachments: [] }, origin, alice.publicKey)).toBe('unverified');
  });

  it('old bodies (no attachments) still parse and verify the way they did', () => {
    const alice = generateSigningKeyPair();
    const old = signMessageBody(alice, origin, { text: 'hi', senderName: 'alice', sentAt });
    expect(MessageBody.parse(old).attachments).toBeUndefined();
    expect(checkMessageSignature(MessageBody.parse(old), origin, alice.publicKey)).toBe('verified');
  });

  it('refuses malformed references', () => {
    expect(() =>
      MessageBody.parse({ text: '', senderName: 'a', sentAt, attachments: [{ ...photo, key: 'short' }] }),
    ).toThrow();
    expect(() =>
      MessageBody.parse({ text: '', senderName: 'a', sentAt, attachments: [{ ...photo, size: -1 }] }),
    ).toThrow();
    expect(() =>
      MessageBody.parse({ text: '', senderName: 'a', sentAt, attachments: Array(11).fill(photo) }),
    ).toThrow();
  });

  it('search text is the message text and the file names, one per line', () => {
    expect(messageSearchText({ text: 'see attached', attachments: [photo, { ...photo, name: 'invoice.pdf' }] })).toBe(
      'see attached\nbeach.jpg\ninvoice.pdf',
    );
    expect(messageSearchText({ text: '', attachments: [photo] })).toBe('beach.jpg');
    expect(messageSearchText({ text: 'plain' })).toBe('plain');
  });
});
