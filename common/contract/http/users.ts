import { z } from 'zod';
import { Base64UrlKey, Id, Username } from '../primitives';
import { route } from './route';

/** Public directory entry: enough to seal a chat key to someone. */
export const lookupUser = route({
  method: 'GET',
  path: '/users/:username',
  auth: 'device',
  params: z.strictObject({ username: Username }),
  response: z.object({ userId: Id, username: Username, identityPublicKey: Base64UrlKey }),
});
