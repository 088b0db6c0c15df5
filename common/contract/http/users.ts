import { z } from 'zod';
import { Base64UrlKey, Id, Username } from '../primitives';
import { route } from './route';

/**
 * Public directory entry: enough to seal a chat key to someone and to check their signatures. What the
 * server says here is a claim, not a fact: clients pin it on first use (common/trust/contact-book.ts).
 */
export const PublicUser = z.object({
  userId: Id,
  username: Username,
  identityPublicKey: Base64UrlKey,
  signingPublicKey: Base64UrlKey.nullable(),
});
export type PublicUser = z.infer<typeof PublicUser>;

export const lookupUser = route({
  method: 'GET',
  path: '/users/:username',
  auth: 'device',
  params: z.strictObject({ username: Username }),
  response: PublicUser,
});

/** The same entry by user id: how a client meets the members of a chat someone else started. */
export const lookupUserById = route({
  method: 'GET',
  path: '/users/id/:userId',
  auth: 'device',
  params: z.strictObject({ userId: Id }),
  response: PublicUser,
});
