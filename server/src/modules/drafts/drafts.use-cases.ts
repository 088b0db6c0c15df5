import {
  type api,
  type BodyOf,
  compareDrafts,
  type DraftRecord,
  maxDraftEnvelopeChars,
} from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import { AppError, errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';
import { requireMembership } from '../chats/chat-access';
import { hotToRecord, loadAllDrafts, loadDraft } from './draft-store';

type Deps = Pick<ServerDeps, 'db' | 'config' | 'changes'>;

function tooLarge(deps: Deps, length: number): AppError {
  const chars = deps.config.maxDraftChars;
  return new AppError(
    'payload_too_large',
    `this draft is too long: drafts are limited to ${chars} characters (MAX_DRAFT_CHARS), which encrypt to at most ` +
      `${maxDraftEnvelopeChars(chars)} envelope characters; this one has ${length}`,
    413,
  );
}

/**
 * Conflict rule (docs/DRAFTS.md): drafts are ordered by (version, device id); an edit is accepted only
 * when it wins over the draft the server holds, otherwise 409 stale_version and the server's draft stays.
 * The version works as a Lamport clock — a device edits at (the highest version it has seen) + 1 — so an
 * edit made after seeing another device's draft always wins, and truly concurrent edits are ordered the
 * same way everywhere. A null ciphertext is a delete; it keeps its version so it still orders later edits.
 */
export async function putDraft(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.putDraft>,
): Promise<DraftRecord> {
  if (body.ciphertext !== null && body.ciphertext.length > maxDraftEnvelopeChars(deps.config.maxDraftChars)) {
    throw tooLarge(deps, body.ciphertext.length);
  }
  await requireMembership(deps.db, chatId, auth.userId);
  const incoming = { version: body.version, updatedByDevice: auth.deviceId };

  // The same edit sent again (its answer was lost): succeed without a second change.
  const before = await loadDraft(deps.db, auth.userId, chatId);
  if (before && compareDrafts(incoming, before) === 0 && before.ciphertext === body.ciphertext) return before;

  const { row, committed } = await deps.db.$transaction(async (tx) => {
    // Appending the change first takes the user's row lock (PostgreSQL): concurrent edits of this user's
    // drafts, and the persistence fold, run one after the other, so the check below reads the latest draft.
    const committed = await appendChange(tx, [auth.userId], { kind: 'draft:update', chatId });
    const current = await loadDraft(tx, auth.userId, chatId);
    if (current && compareDrafts(incoming, current) <= 0) {
      throw errors.staleVersion(
        `the server holds version ${current.version} of this draft (from device ${current.updatedByDevice}), which wins over ` +
          `version ${body.version} from this device; fetch it and edit on top of it`,
      );
    }
    const key = { userId_chatId: { userId: auth.userId, chatId } };
    const data = {
      ciphertext: body.ciphertext,
      version: body.version,
      updatedByDevice: auth.deviceId,
      updatedAt: new Date(),
    };
    const row = await tx.draft.upsert({ where: key, create: { userId: auth.userId, chatId, ...data }, update: data });
    return { row, committed };
  });
  deps.changes.publish(committed);
  return hotToRecord(row);
}

export async function getDraft(deps: Deps, auth: AuthContext, chatId: string): Promise<DraftRecord | null> {
  await requireMembership(deps.db, chatId, auth.userId);
  return loadDraft(deps.db, auth.userId, chatId);
}

export async function listDrafts(
  deps: Deps,
  auth: AuthContext,
): Promise<{ drafts: DraftRecord[]; maxDraftChars: number }> {
  return { drafts: await loadAllDrafts(deps.db, auth.userId), maxDraftChars: deps.config.maxDraftChars };
}
