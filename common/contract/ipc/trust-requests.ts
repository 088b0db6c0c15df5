import { z } from 'zod';
import { Id } from '../primitives';
import { ChatRef } from './core-requests';
import { Ok, request } from './request-spec';
import { ChatTrustView, PickedPersonView, SafetyNumberView } from './trust-views';

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
  /**
   * New chat's picker: each typed username looked up and compared with the pins (differing keys become a
   * pending change, shown `changed`; someone never met is `new` and pinned only when a chat starts). Needs
   * the server.
   */
  lookUpPeople: request(
    z.strictObject({ usernames: z.array(z.string().max(64)).max(255) }),
    z.object({ people: z.array(PickedPersonView) }),
  ),
};
