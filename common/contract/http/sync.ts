import { z } from 'zod';
import { Envelope, Id, Timestamp } from '../primitives';
import { KeyVersion } from './chats';
import { ClientKey, MessageRecord } from './messages';
import { route } from './route';
import { SYNC_EVENT_NAMES } from '../sse';

/** A message written while offline, replayed by hello. Idempotent by (device, clientKey). */
export const OutboxItem = z.strictObject({
  chatId: Id,
  messageId: Id,
  clientKey: ClientKey,
  ciphertext: Envelope,
  /** The chat key version it is written under (docs/GROUPS.md); absent = 1, as from older clients. */
  keyVersion: KeyVersion.optional(),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

export const MAX_OUTBOX = 500;

/** Seed 002 "hello": the device reports its cursor and hands over its outbox. */
export const syncHello = route({
  method: 'POST',
  path: '/sync/hello',
  auth: 'device',
  body: z.strictObject({ cursor: z.int().min(0).nullable(), outbox: z.array(OutboxItem).max(MAX_OUTBOX) }),
  response: z.object({
    results: z.array(
      z.union([
        z.object({ messageId: Id, ok: z.literal(true), message: MessageRecord }),
        z.object({
          messageId: Id,
          ok: z.literal(false),
          code: z.string(),
          message: z.string(),
          retryable: z.boolean(),
        }),
      ]),
    ),
    /** The user's latest change seq: anything after the device's cursor arrives on the stream. */
    latestSeq: z.int(),
  }),
});

/**
 * A one-time ticket for opening the sync stream from a browser: `EventSource` can't send an
 * Authorization header, and the access token must never go into a URL. The ticket is single-use, lives
 * ~30 s and is bound to the session that asked for it: `GET /sse/connect?ticket=…`.
 */
export const createSseTicket = route({
  method: 'POST',
  path: '/sse/ticket',
  auth: 'device',
  response: z.object({ ticket: z.string(), expiresAt: Timestamp }),
  status: 201,
});

/** Seed REST fallback for clients without a stream: recent messages across the user's chats. */
export const syncMessages = route({
  method: 'GET',
  path: '/auth/sync-messages',
  auth: 'device',
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    days: z.coerce.number().int().min(1).max(365).default(7),
  }),
  response: z.object({
    messages: z.array(MessageRecord),
    /** True when more messages than `limit` fall inside the window. */
    hasMore: z.boolean(),
    since: Timestamp,
    latestSeq: z.int(),
  }),
});

/** Most changes one `GET /sync/changes` answers. */
export const MAX_CHANGES_PAGE = 500;

/**
 * The live stream's events over plain requests, for a desktop whose stream can't get through (a proxy that
 * buffers or cuts it): the same events, with the same ids, that `GET /sse/connect` with `Last-Event-ID: <after>`
 * would send, a page at a time. The client validates each event's payload with the stream's own schemas
 * (common/contract/sse.ts) and applies them exactly as streamed ones; it advances its position to
 * `position` (the last change this page covered, even when a change yielded no event).
 */
export const syncChanges = route({
  method: 'GET',
  path: '/sync/changes',
  auth: 'device',
  query: z.strictObject({
    after: z.coerce.number().int().min(0),
    limit: z.coerce.number().int().min(1).max(MAX_CHANGES_PAGE).default(200),
  }),
  response: z.object({
    events: z.array(z.object({ id: z.string(), name: z.enum(SYNC_EVENT_NAMES), data: z.unknown() })),
    position: z.int().min(0),
    /** The user's latest change: `position < latestSeq` means another page is waiting. */
    latestSeq: z.int().min(0),
  }),
});
