import { z } from 'zod';
import { Base64UrlKey, Id, Username } from '../primitives';
import { route } from './route';

/**
 * Public directory entry: enough to seal a chat key to someone (identity key) and to check what they sign
 * (signing key; null for an account that has not made one yet — common/trust/sender-keys.ts).
 */
export const DirectoryEntry = z.object({
  userId: Id,
  username: Username,
  identityPublicKey: Base64UrlKey,
  signingPublicKey: Base64UrlKey.nullable(),
});
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

export const lookupUser = route({
  method: 'GET',
  path: '/users/:username',
  auth: 'device',
  params: z.strictObject({ username: Username }),
  response: DirectoryEntry,
});

/** The same entry by user id: how clients find the keys of the members of a chat and the senders of messages. */
export const lookupUserById = route({
  method: 'GET',
  path: '/users/id/:userId',
  auth: 'device',
  params: z.strictObject({ userId: Id }),
  response: DirectoryEntry,
});
