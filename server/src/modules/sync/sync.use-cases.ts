import type { api, BodyOf, QueryOf, ResponseOf } from '../../../../common/contract';
import { AppError, errors } from '../../errors';
import type { AuthContext } from '../../http/authenticate';
import type { ServerDeps } from '../../server-deps';
import { toViewerRecords } from '../messages/message-row';
import { sendMessage } from '../messages/messages.use-cases';
import { logCovers } from '../changes/log-retention';
import { toLiveEvents } from './change-events';
import { readChangeLog } from './change-log-page';
import { recordHelloCursor } from './sync-status';

/** What these use-cases touch: the database, and the change bus that wakes streams after a commit. */
type Deps = Pick<ServerDeps, 'db' | 'changes'>;

/**
 * Seed 002 hello: the outbox is applied in order, each item idempotently (a replayed item returns the
 * stored message); one item's refusal doesn't block the others. The cursor the device reports is
 * recorded as its applied position (its sync status on the device list).
 */
export async function hello(
  deps: Deps,
  auth: AuthContext,
  body: BodyOf<typeof api.syncHello>,
): Promise<ResponseOf<typeof api.syncHello>> {
  const results: ResponseOf<typeof api.syncHello>['results'] = [];
  for (const item of body.outbox) {
    try {
      const { message } = await sendMessage(deps, auth, item.chatId, item);
      results.push({ messageId: item.messageId, ok: true, message });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results.push({
        messageId: item.messageId,
        ok: false,
        code: error.code,
        message: error.message,
        retryable: false,
      });
    }
  }
  const { lastSeq } = await deps.db.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { lastSeq: true } });
  // The cursor is read from the device's store: what it applied (forward only: see recordHelloCursor). One
  // beyond the user's head is not recorded — the hello still goes through (its outbox must), and the
  // stream answers `cursor_ahead`.
  if (body.cursor !== null && body.cursor <= lastSeq) {
    await recordHelloCursor(deps.db, auth.deviceId, body.cursor);
  }
  return { results, latestSeq: lastSeq };
}

/** Seed REST fallback: the newest messages across the user's chats within `days`. */
export async function recentMessages(
  deps: Deps,
  auth: AuthContext,
  query: QueryOf<typeof api.syncMessages>,
): Promise<ResponseOf<typeof api.syncMessages>> {
  const since = new Date(Date.now() - query.days * 86_400_000);
  const rows = await deps.db.message.findMany({
    where: {
      createdAt: { gte: since },
      chat: { members: { some: { userId: auth.userId } } },
      hiddenBy: { none: { userId: auth.userId } },
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
  });
  const { lastSeq } = await deps.db.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { lastSeq: true } });
  return {
    messages: await toViewerRecords(deps.db, auth.userId, rows.slice(0, query.limit)),
    hasMore: rows.length > query.limit,
    since: since.toISOString(),
    latestSeq: lastSeq,
  };
}

/**
 * The stream's live events after `after`, a page at a time (the REST fallback of a desktop whose stream
 * can't get through). The same conversion as the stream's, so a client applies them the same way; a
 * position beyond the user's latest change (409), or older than the log keeps (410), is refused: the device
 * must start over, as the stream tells it to.
 */
export async function changesAfter(
  deps: Deps,
  auth: AuthContext,
  query: QueryOf<typeof api.syncChanges>,
): Promise<ResponseOf<typeof api.syncChanges>> {
  const { lastSeq } = await deps.db.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { lastSeq: true } });
  if (query.after > lastSeq) {
    throw errors.conflict(
      `position ${query.after} is ahead of this account's latest change (${lastSeq}); resync from scratch`,
    );
  }
  if (!(await logCovers(deps.db, auth.userId, query.after, lastSeq))) {
    throw errors.gone(
      `the change log no longer reaches position ${query.after} (it keeps CHANGE_LOG_RETENTION_DAYS); sync from scratch`,
    );
  }
  const changes = await readChangeLog(deps.db, auth.userId, query.after, query.limit);
  const events = (await toLiveEvents(deps.db, auth.userId, changes)).map((event) => ({
    id: String(event.seq),
    name: event.name,
    data: event.payload,
  }));
  const position = changes.at(-1)?.seq ?? query.after;
  // What the device has now taken is its sync cursor, as on the stream (and at hello).
  await deps.db.device.update({ where: { id: auth.deviceId }, data: { syncCursor: position } });
  return { events, position, latestSeq: lastSeq };
}
