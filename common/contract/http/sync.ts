import { z } from 'zod';
import { Envelope, Id, Timestamp } from '../primitives';
import { KeyVersion } from './chats';
import { ClientKey, MessageRecord } from './messages';
import { route } from './route';

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
