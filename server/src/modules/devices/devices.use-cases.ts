import type { api, ResponseOf } from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';
import { syncStatusOf } from '../sync/sync-status';
import { inactivityExpiry } from './inactivity-sweep';

/** What these use-cases touch: the database, the change bus that wakes streams after a commit, the config. */
type Deps = Pick<ServerDeps, 'db' | 'changes' | 'config'>;

export async function listDevices(deps: Deps, auth: AuthContext): Promise<ResponseOf<typeof api.listDevices>> {
  const devices = await deps.db.device.findMany({
    where: { userId: auth.userId, revokedAt: null },
    orderBy: { createdAt: 'asc' },
  });
  const { lastSeq } = await deps.db.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { lastSeq: true } });
  const statuses = await Promise.all(devices.map((d) => syncStatusOf(deps.db, d, lastSeq)));
  return {
    devices: devices.map((d, i) => ({
      deviceId: d.id,
      kind: d.kind === 'phone' ? 'phone' : 'desktop',
      name: d.name,
      platform: d.platform as ResponseOf<typeof api.listDevices>['devices'][number]['platform'],
      createdAt: d.createdAt.toISOString(),
      lastSeenAt: d.lastSeenAt.toISOString(),
      current: d.id === auth.deviceId,
      expiresAt: inactivityExpiry(d.lastSeenAt, deps.config.deviceInactivityDays)?.toISOString() ?? null,
      syncStatus: statuses[i] ?? null,
    })),
  };
}

/**
 * Unlinking ends every session of the device at once (its next request is refused) and records
 * `device:revoked` in the user's change log, so the device's open streams can tell it to wipe itself.
 * A phone may unlink any device of the account; any other device may only unlink itself.
 */
export async function revokeDevice(deps: Deps, auth: AuthContext, deviceId: string): Promise<void> {
  const target = await deps.db.device.findUnique({ where: { id: deviceId } });
  if (!target || target.userId !== auth.userId || target.revokedAt) throw errors.notFound('device');
  if (auth.deviceKind !== 'phone' && deviceId !== auth.deviceId) {
    throw errors.forbidden('only a phone can unlink another device');
  }
  const now = new Date();
  const committed = await deps.db.$transaction(async (tx) => {
    await tx.device.update({ where: { id: deviceId }, data: { revokedAt: now } });
    await tx.session.updateMany({ where: { deviceId, revokedAt: null }, data: { revokedAt: now } });
    return appendChange(tx, [auth.userId], { kind: 'device:revoked', entityId: deviceId });
  });
  deps.changes.publish(committed);
}
