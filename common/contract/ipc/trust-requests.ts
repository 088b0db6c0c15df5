import { z } from 'zod';
import { Id } from '../primitives';
import { ChatRef } from './core-requests';
import { Ok, request } from './request-spec';
import { ChatTrustView, SafetyNumberView } from './trust-views';

const ContactRef = z.strictObject({ userId: Id });

/** Safety numbers and key changes (docs/THREAT-MODEL.md, Identities). */
export const trustRequests = {
  /** The members' key state for a chat (and a re-check of their keys against the server, in the background). */
  getChatTrust: request(ChatRef, ChatTrustView),
  getSafetyNumber: request(ContactRef, SafetyNumberView),
  /** Marks the contact verified (or not) after comparing the safety number shown (needs the server: it syncs). */
  setContactVerified: request(z.strictObject({ userId: Id, verified: z.boolean() }), SafetyNumberView),
  /** The user accepts the contact's new keys (the change shown); sending resumes. */
  acknowledgeKeyChange: request(ContactRef, Ok),
  /** The user refuses the contact's new keys and keeps the pinned ones (the warning goes; that claim is ignored after). */
  keepPinnedKeys: request(ContactRef, Ok),
};
