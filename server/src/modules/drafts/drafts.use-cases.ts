import type { api, BodyOf, DraftRecord } from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';
import { requireMembership } from '../chats/chat-access';

type DraftRow = { chatId: string; ciphertext: string | null; version: number; updatedByDevice: string; updatedAt: Date };

export function toDraftRecord(row: DraftRow): DraftRecord {
  return {
    chatId: row.chatId,
    ciphertext: row.ciphertext,
    version: row.version,
    updatedByDevice: row.updatedByDevice,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Conflict rule: the higher version wins; the server refuses anything not strictly newer than what it
 * holds (409 stale_version), so a stale device can never overwrite a newer draft. A null ciphertext is a
 * delete, kept as a row so its version still orders later edits.
 */
export async function putDraft(
  deps: ServerDeps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.putDraft>,
): Promise<DraftRecord> {
  await requireMembership(deps.db, chatId, auth.userId);
  const { row, committed } = await deps.db.$transaction(async (tx) => {
    const key = { userId_chatId: { userId: auth.userId, chatId } };
    const current = await tx.draft.findUnique({ where: key });
    if (current && current.version >= body.version) {
      throw errors.staleVersion(`the server holds version ${current.version} of this draft already`);
    }
    const data = { ciphertext: body.ciphertext, version: body.version, updatedByDevice: auth.deviceId, updatedAt: new Date() };
    const row = current
      ? await tx.draft.update({ where: key, data })
      : await tx.draft.create({ data: { userId: auth.userId, chatId, ...data } });
    const committed = await appendChange(tx, [auth.userId], { kind: 'draft:update', chatId });
    return { row, committed };
  });
  deps.changes.publish(committed);
  return toDraftRecord(row);
}

export async function getDraft(deps: ServerDeps, auth: AuthContext, chatId: string): Promise<DraftRecord> {
  await requireMembership(deps.db, chatId, auth.userId);
  const row = await deps.db.draft.findUnique({ where: { userId_chatId: { userId: auth.userId, chatId } } });
  if (!row) throw errors.notFound('draft');
  return toDraftRecord(row);
}
