import { Router } from 'express';
import { api, type DirectoryEntry } from '../../../../common/contract';
import { errors } from '../../errors';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';

const ENTRY = { id: true, username: true, identityPublicKey: true, signingPublicKey: true } as const;

function entry(
  user: { id: string; username: string; identityPublicKey: string; signingPublicKey: string | null } | null,
): DirectoryEntry {
  if (!user) throw errors.notFound('user');
  return {
    userId: user.id,
    username: user.username,
    identityPublicKey: user.identityPublicKey,
    signingPublicKey: user.signingPublicKey,
  };
}

export function usersRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.lookupUserById, async ({ params }) =>
    entry(await deps.db.user.findUnique({ where: { id: params.userId }, select: ENTRY })),
  );
  mountRoute(router, deps, api.lookupUser, async ({ params }) =>
    entry(await deps.db.user.findUnique({ where: { username: params.username }, select: ENTRY })),
  );
  return router;
}
