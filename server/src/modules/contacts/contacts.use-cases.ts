import type { api, BodyOf, ContactsRecord, ResponseOf } from '../../../../common/contract';
import type { Db } from '../../db/client';
import { errors } from '../../errors';
import type { AuthContext } from '../../http/authenticate';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';

type Deps = Pick<ServerDeps, 'db' | 'changes'>;

type Row = { ciphertext: string; version: number; updatedByDeviceId: string; updatedAt: Date };

export function toContactsRecord(row: Row): ContactsRecord {
  return {
    ciphertext: row.ciphertext as ContactsRecord['ciphertext'],
    version: row.version,
    updatedByDeviceId: row.updatedByDeviceId,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function loadContacts(db: Db, userId: string): Promise<ContactsRecord | null> {
  const row = await db.contactBook.findUnique({ where: { userId } });
  return row ? toContactsRecord(row) : null;
}

export async function getContacts(deps: Deps, auth: AuthContext): Promise<ResponseOf<typeof api.getContacts>> {
  return { contacts: await loadContacts(deps.db, auth.userId) };
}

/**
 * Compare-and-set on the version, like the settings: the server can't open the book, so it can't merge; a
 * write based on an older version is refused and the device applies its change again on the newer book.
 * A `contacts:update` change goes to the user's log in the same transaction, so every other device of the
 * user gets the new pins live (or on its next sync).
 */
export async function putContacts(
  deps: Deps,
  auth: AuthContext,
  body: BodyOf<typeof api.putContacts>,
): Promise<ResponseOf<typeof api.putContacts>> {
  const { row, committed } = await deps.db.$transaction(async (tx) => {
    // Appending first takes the user's row lock, so two concurrent writes are checked one after the other.
    const committed = await appendChange(tx, [auth.userId], { kind: 'contacts:update' });
    const current = await tx.contactBook.findUnique({ where: { userId: auth.userId } });
    const currentVersion = current?.version ?? 0;
    if (body.baseVersion !== currentVersion) {
      throw errors.staleVersion(
        `the contact book was changed meanwhile: the server holds version ${currentVersion}, this write was based on ` +
          `version ${body.baseVersion}; fetch it, apply the change again and retry`,
      );
    }
    const data = {
      ciphertext: body.ciphertext,
      version: currentVersion + 1,
      updatedByDeviceId: auth.deviceId,
      updatedAt: new Date(),
    };
    const row = await tx.contactBook.upsert({
      where: { userId: auth.userId },
      create: { userId: auth.userId, ...data },
      update: data,
    });
    return { row, committed };
  });
  deps.changes.publish(committed);
  return toContactsRecord(row);
}
