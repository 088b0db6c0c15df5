import { z } from 'zod';
import { Envelope, Id, MAX_VERSION, SealedBox, Timestamp } from '../primitives';
import { route } from './route';

export const MAX_CHAT_MEMBERS = 256;

/**
 * The creator wraps the chat key under its own master key and seals it to every other member's identity
 * public key; each of them re-wraps it under their own master key on first use (PUT /chats/:id/key).
 */
export const NewChatMember = z.union([
  z.strictObject({ userId: Id, wrappedChatKey: Envelope }),
  z.strictObject({ userId: Id, sealedChatKey: SealedBox }),
]);

export const ChatMemberInfo = z.object({ userId: Id, role: z.enum(['owner', 'member']) });

export const ChatSummary = z.object({
  chatId: Id,
  createdByUserId: Id,
  encryptedMeta: Envelope,
  metaVersion: z.int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  members: z.array(ChatMemberInfo),
  /** This user's copy of the chat key. */
  wrappedChatKey: Envelope.nullable(),
  sealedChatKey: SealedBox.nullable(),
  lastOpenedAt: Timestamp.nullable(),
  pinned: z.boolean(),
  messageCount: z.int(),
});
export type ChatSummary = z.infer<typeof ChatSummary>;

export const ChatIdParams = z.strictObject({ chatId: Id });

export const createChat = route({
  method: 'POST',
  path: '/chats',
  auth: 'device',
  body: z.strictObject({
    chatId: Id,
    encryptedMeta: Envelope,
    /** Everyone but the creator, who is always a member (with `myWrappedChatKey`). */
    members: z.array(NewChatMember).max(MAX_CHAT_MEMBERS - 1),
    myWrappedChatKey: Envelope,
  }),
  response: ChatSummary,
  status: 201,
});

export const listChats = route({
  method: 'GET',
  path: '/chats',
  auth: 'device',
  response: z.object({ chats: z.array(ChatSummary) }),
});

export const getChat = route({
  method: 'GET',
  path: '/chats/:chatId',
  auth: 'device',
  params: ChatIdParams,
  response: ChatSummary,
});

export const updateChatMeta = route({
  method: 'PUT',
  path: '/chats/:chatId/meta',
  auth: 'device',
  params: ChatIdParams,
  body: z.strictObject({ encryptedMeta: Envelope, metaVersion: z.int().min(2).max(MAX_VERSION) }),
  response: ChatSummary,
});

export const storeMyChatKey = route({
  method: 'PUT',
  path: '/chats/:chatId/key',
  auth: 'device',
  params: ChatIdParams,
  body: z.strictObject({ wrappedChatKey: Envelope }),
});

/** Per-member state: last opened (drives sync phase 1), pinned (exempt from eviction). */
export const updateMyChatState = route({
  method: 'PATCH',
  path: '/chats/:chatId/me',
  auth: 'device',
  params: ChatIdParams,
  body: z
    .strictObject({ opened: z.literal(true).optional(), pinned: z.boolean().optional() })
    .refine((b) => b.opened !== undefined || b.pinned !== undefined, { message: 'nothing to update' }),
});
