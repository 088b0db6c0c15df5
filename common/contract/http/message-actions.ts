import { z } from 'zod';
import { Envelope, Id, Timestamp } from '../primitives';
import { ChatIdParams } from './chats';
import { route } from './route';

/**
 * Message actions (docs/MESSAGES.md): edit, delete for everyone, delete for me. Replies need no route: the
 * quote travels inside the encrypted body (common/content/message-body.ts).
 */

export const MessageIdParams = ChatIdParams.extend({ messageId: Id }).strict();

/** Edits per message: a bound on what one message's history can grow to on the server. */
export const MAX_EDITS_PER_MESSAGE = 100;

/** One version of an edited message. `version` 1 is the first edit; the original is the message itself. */
export const MessageEditRecord = z.object({
  version: z.int().min(1).max(MAX_EDITS_PER_MESSAGE),
  /** Envelope under the chat key, bound to (chatId, messageId, version); the author's signature inside. */
  ciphertext: Envelope,
  editedAt: Timestamp,
});
export type MessageEditRecord = z.infer<typeof MessageEditRecord>;

/**
 * Only the author may edit (403 otherwise). `version` must be the next one (the current count + 1): a
 * stale version answers 409 and stores nothing. A deleted message answers 410.
 */
export const editMessage = route({
  method: 'POST',
  path: '/chats/:chatId/messages/:messageId/edits',
  auth: 'device',
  params: MessageIdParams,
  body: z.strictObject({ version: z.int().min(1).max(MAX_EDITS_PER_MESSAGE), ciphertext: Envelope }),
  response: MessageEditRecord,
  status: 201,
});

/** Every version of a message, oldest first (the history a client shows on demand). */
export const listMessageEdits = route({
  method: 'GET',
  path: '/chats/:chatId/messages/:messageId/edits',
  auth: 'device',
  params: MessageIdParams,
  response: z.object({ edits: z.array(MessageEditRecord) }),
});

/**
 * Delete for everyone: only the author (403 otherwise); the ciphertext and every edit are removed from
 * the server, a tombstone stays. Deleting twice answers 409.
 */
export const deleteMessage = route({
  method: 'DELETE',
  path: '/chats/:chatId/messages/:messageId',
  auth: 'device',
  params: MessageIdParams,
  response: z.object({ messageId: Id, deletedAt: Timestamp }),
});

/** Delete for me: the message disappears from this user's devices only. Hiding twice answers 409. */
export const hideMessage = route({
  method: 'POST',
  path: '/chats/:chatId/messages/:messageId/hide',
  auth: 'device',
  params: MessageIdParams,
  response: z.object({ messageId: Id }),
});
