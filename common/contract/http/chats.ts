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

export const KeyVersion = z.int().min(1).max(MAX_VERSION);

export const ChatKeyCopy = z.object({
  keyVersion: KeyVersion,
  wrappedChatKey: Envelope.nullable(),
  sealedChatKey: SealedBox.nullable(),
});
export type ChatKeyCopy = z.infer<typeof ChatKeyCopy>;

/** A signed membership statement as the client sends it (common/trust/chat-epoch.ts describes the text). */
export const SignedEpochBody = z.strictObject({
  statement: z.string().min(2).max(40_000),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, { message: 'must be a 64-byte signature in base64url' }),
});

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
  // Key versions (docs/GROUPS.md). Optional on the wire so answers of servers from before them still parse:
  // absent means version 1, no rotation due, and `wrappedChatKey`/`sealedChatKey` as the only key.
  /** The version new messages and the metadata are written under; `wrappedChatKey`/`sealedChatKey` are its. */
  keyVersion: KeyVersion.optional(),
  /** A member left: the next writer makes version keyVersion+1 before writing (`changeMembers`, rotate). */
  rotationDue: z.boolean().optional(),
  /** Every version of the key this user holds a copy of (older versions read older messages). */
  myKeys: z.array(ChatKeyCopy).optional(),
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
    /** The signed founding statement (version 1, action "create"); chats made by older clients have none. */
    epoch: SignedEpochBody.optional(),
  }),
  response: ChatSummary,
  status: 201,
});

export const MAX_CHAT_PAGE = 100;

/**
 * The user's chats, most recently updated first. Without `limit`: all of them (the phone's list). With it:
 * one page, and `nextAfter` names the last chat of the page to ask for the next one (null: no more) — how a
 * desktop lists the chats beyond its synced set on demand. An `after` chat that moved since (a new message)
 * continues from where it is now: a page may repeat or skip a chat that changed meanwhile, never invent one.
 */
export const listChats = route({
  method: 'GET',
  path: '/chats',
  auth: 'device',
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(MAX_CHAT_PAGE).optional(),
    /** A chat of the previous page (its `nextAfter`): the chats after it in the order above. */
    after: Id.optional(),
  }),
  response: z.object({ chats: z.array(ChatSummary), nextAfter: Id.nullable().optional() }),
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
  body: z.strictObject({
    encryptedMeta: Envelope,
    metaVersion: z.int().min(2).max(MAX_VERSION),
    /** The key version the metadata is written under: must be the chat's current one (absent = 1). */
    keyVersion: KeyVersion.optional(),
  }),
  response: ChatSummary,
});

export const storeMyChatKey = route({
  method: 'PUT',
  path: '/chats/:chatId/key',
  auth: 'device',
  params: ChatIdParams,
  /** keyVersion absent: the chat's current version (what clients from before key versions re-wrap). */
  body: z.strictObject({ wrappedChatKey: Envelope, keyVersion: KeyVersion.optional() }),
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

// ---- Membership (docs/GROUPS.md) ----

/**
 * Starts key version n+1: add members, remove members, or rotate after someone left. The acting member
 * signs the statement; the new key is wrapped for the actor and sealed to every other member; the
 * metadata is re-encrypted under it. A version that isn't n+1 (someone else changed the chat first) is
 * 409 `stale_version`, and nothing changes.
 */
export const changeMembers = route({
  method: 'POST',
  path: '/chats/:chatId/epochs',
  auth: 'device',
  params: ChatIdParams,
  body: z.strictObject({
    epoch: SignedEpochBody,
    myWrappedChatKey: Envelope,
    members: z.array(z.strictObject({ userId: Id, sealedChatKey: SealedBox })).max(MAX_CHAT_MEMBERS - 1),
    encryptedMeta: Envelope,
    metaVersion: z.int().min(2).max(MAX_VERSION),
  }),
  response: ChatSummary,
  status: 201,
});

export const ChatEpochRecord = z.object({
  keyVersion: KeyVersion,
  actorUserId: Id,
  statement: z.string(),
  signature: z.string(),
  createdAt: Timestamp,
});
export type ChatEpochRecord = z.infer<typeof ChatEpochRecord>;

export const listEpochs = route({
  method: 'GET',
  path: '/chats/:chatId/epochs',
  auth: 'device',
  params: ChatIdParams,
  response: z.object({ epochs: z.array(ChatEpochRecord) }),
});

/**
 * Leave a chat: my membership (and my copies of its keys) end at once; the chat's key is due for rotation,
 * so nobody writes under a key I hold again. The last member leaving deletes the chat.
 */
export const leaveChat = route({
  method: 'POST',
  path: '/chats/:chatId/leave',
  auth: 'device',
  params: ChatIdParams,
});
