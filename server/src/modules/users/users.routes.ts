import { Router } from 'express';
import { api } from '../../../../common/contract';
import { errors } from '../../errors';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';

export function usersRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.lookupUser, async ({ params }) => {
    const user = await deps.db.user.findUnique({ where: { username: params.username } });
    if (!user) throw errors.notFound('user');
    return { userId: user.id, username: user.username, identityPublicKey: user.identityPublicKey };
  });
  return router;
}
