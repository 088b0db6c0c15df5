import type { api, BodyOf, ResponseOf, SettingsRecord } from '../../../../common/contract';
import type { Db } from '../../db/client';
import { errors } from '../../errors';
import type { AuthContext } from '../../http/authenticate';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';

/** What these use-cases touch: the database, and the change bus that wakes streams after a commit. */
type Deps = Pick<ServerDeps, 'db' | 'changes'>;

type Row = { ciphertext: string; version: number; updatedByDeviceId: string; updatedAt: Date };

export function toSettingsRecord(row: Row): SettingsRecord {
  return {
    ciphertext: row.ciphertext as SettingsRecord['ciphertext'],
    version: row.version,
    updatedByDeviceId: row.updatedByDeviceId,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function loadSettings(db: Db, userId: string): Promise<SettingsRecord | null> {
  const row = await db.userSettings.findUnique({ where: { userId } });
  return row ? toSettingsRecord(row) : null;
}

export async function getSettings(deps: Deps, auth: AuthContext): Promise<ResponseOf<typeof api.getSettings>> {
  return { settings: await loadSettings(deps.db, auth.userId) };
}

/**
 * Compare-and-set on the version: the write lands only if it was based on the version the server holds,
 * and becomes the next version. The server can't merge (it can't read the settings), so a stale write is
 * refused and the device merges. A `settings:update` change goes to the user's log in the same
 * transaction: every other device gets the new envelope live, or on its next sync.
 */
export async function putSettings(
  deps: Deps,
  auth: AuthContext,
  body: BodyOf<typeof api.putSettings>,
): Promise<ResponseOf<typeof api.putSettings>> {
  const { row, committed } = await deps.db.$transaction(async (tx) => {
    // Appending first takes the user's row lock, so two concurrent writes are checked one after the other.
    const committed = await appendChange(tx, [auth.userId], { kind: 'settings:update' });
    const current = await tx.userSettings.findUnique({ where: { userId: auth.userId } });
    const currentVersion = current?.version ?? 0;
    if (body.baseVersion !== currentVersion) {
      throw errors.staleVersion(
        `the settings were changed meanwhile: the server holds version ${currentVersion}, this write was based on ` +
          `version ${body.baseVersion}; fetch them, apply the change again and retry`,
      );
    }
    const data = {
      ciphertext: body.ciphertext,
      version: currentVersion + 1,
      updatedByDeviceId: auth.deviceId,
      updatedAt: new Date(),
    };
    const row = await tx.userSettings.upsert({
      where: { userId: auth.userId },
      create: { userId: auth.userId, ...data },
      update: data,
    });
    return { row, committed };
  });
  deps.changes.publish(committed);
  return toSettingsRecord(row);
}
