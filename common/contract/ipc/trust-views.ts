import { z } from 'zod';
import { Id } from '../primitives';

/** Safety numbers and the members' key state (docs/THREAT-MODEL.md, Identities). */

/** A chat member's key state as the chat shows it (from the user's synced pins). */
export const ContactTrustView = z.object({
  userId: Id,
  username: z.string(),
  verified: z.boolean(),
  /** Their keys changed and the user has not acknowledged it: the chat shows "X's safety number changed". */
  changed: z.boolean(),
});
export const ChatTrustView = z.object({
  members: z.array(ContactTrustView),
  /** A verified member's keys changed: sending to this chat waits until the user acknowledges. */
  sendingPaused: z.boolean(),
  /** The server offered a contact book this desktop refused (an older or foreign one); the pins stayed. */
  refusal: z.string().nullable(),
});
export type ChatTrustView = z.infer<typeof ChatTrustView>;

export const SafetyNumberView = z.object({
  userId: Id,
  username: z.string(),
  /** 60 digits, the same on both users' devices while both hold each other's real keys. */
  digits: z.string().regex(/^\d{60}$/),
  /** The digits as a QR (data:image/svg+xml) for the other user's phone to scan. */
  qrImage: z.string().startsWith('data:image/'),
  verified: z.boolean(),
  changed: z.boolean(),
});
export type SafetyNumberView = z.infer<typeof SafetyNumberView>;

/**
 * A person typed into New chat, with the state of their keys from this user's pins (common/trust/
 * people-picker.ts): the server's lookup answer is only compared with the pins, never pinned over them.
 */
export const PickedPersonView = z.object({
  username: z.string(),
  userId: Id.nullable(),
  state: z.enum(['verified', 'unverified', 'new', 'changed', 'mismatch', 'not_found', 'invalid']),
  /** For `changed`: the keys pinned now were verified by the user. */
  wasVerified: z.boolean(),
  /** The picker's words for the state (the same on the phone). */
  label: z.string(),
});
export type PickedPersonView = z.infer<typeof PickedPersonView>;
