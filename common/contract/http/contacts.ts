import { z } from 'zod';
import { Envelope, Id, MAX_VERSION, Timestamp } from '../primitives';
import { route } from './route';

/**
 * The user's contact book as stored: the pins of every contact's keys (common/trust/contact-book.ts), one
 * envelope under the master key, bound to `contacts/<userId>/<version>` — a replayed older book or
 * another user's does not open as this one.
 */
export const ContactsRecord = z.object({
  ciphertext: Envelope,
  /** 1 for the first write, +1 for each accepted write after it (and part of the envelope's additional data). */
  version: z.int().min(1),
  updatedByDeviceId: Id,
  updatedAt: Timestamp,
});
export type ContactsRecord = z.infer<typeof ContactsRecord>;

export const getContacts = route({
  method: 'GET',
  path: '/contacts',
  auth: 'device',
  response: z.object({ contacts: ContactsRecord.nullable() }),
});

/**
 * Replace the contact book. `baseVersion` is the version the change started from (0 when there was none);
 * anything else is refused with 409 stale_version: the device re-reads, re-applies its change, retries.
 * The envelope must be bound to version `baseVersion + 1`; the server can't check that (it can't open it),
 * the devices do.
 */
export const putContacts = route({
  method: 'PUT',
  path: '/contacts',
  auth: 'device',
  body: z.strictObject({ ciphertext: Envelope, baseVersion: z.int().min(0).max(MAX_VERSION) }),
  response: ContactsRecord,
});
