import { z } from 'zod';
import { Envelope, Id, Timestamp } from '../primitives';
import { ChatIdParams } from './chats';
import { route } from './route';

export const DraftRecord = z.object({
  chatId: Id,
  /** null: the draft was deleted (an empty draft deletes everywhere). */
  ciphertext: Envelope.nullable(),
  version: z.int().min(0),
  updatedByDevice: Id,
  updatedAt: Timestamp,
});
export type DraftRecord = z.infer<typeof DraftRecord>;

/** A stale version is refused with 409 `stale_version`; the newer draft stays. */
export const putDraft = route({
  method: 'PUT',
  path: '/chats/:chatId/draft',
  auth: 'device',
  params: ChatIdParams,
  body: z.strictObject({ ciphertext: Envelope.nullable(), version: z.int().min(1) }),
  response: DraftRecord,
});

export const getDraft = route({
  method: 'GET',
  path: '/chats/:chatId/draft',
  auth: 'device',
  params: ChatIdParams,
  response: DraftRecord,
});
