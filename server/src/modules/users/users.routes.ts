import { Router } from 'express';
import { api, type DirectoryEntry } from '../../../../common/contract';
import { errors } from '../../errors';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';

function toDirectoryEntry(user: { id: string; username: string; identityPublicKey: string }): DirectoryEntry {
  return { userId: user.id, username: user.username, identityPublicKey: user.identityPublicKey, signingPublicKey: null };
}

export function usersRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.lookupUser, async ({ params }) => {
    const user = await deps.db.user.findUnique({ where: { username: params.username } });
    if (!user) throw errors.notFound('user');
    return toDirectoryEntry(user);
  });
  mountRoute(router, deps, api.lookupUserById, async ({ params }) => {
    const user = await deps.db.user.findUnique({ where: { id: params.userId } });
    if (!user) throw errors.notFound('user');
    return toDirectoryEntry(user);
  });
  return router;
}
