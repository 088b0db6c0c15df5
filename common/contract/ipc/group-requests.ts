import { z } from 'zod';
import { Id } from '../primitives';
import { ChatRef } from './core-requests';
import { Ok, request } from './request-spec';

/** A chat member as the members panel shows it, with the key state of their pinned keys. */
export const GroupMemberView = z.object({
  userId: Id,
  /** null: no keys pinned for them on this desktop yet. */
  username: z.string().nullable(),
  you: z.boolean(),
  /** The server lists them, but no signed membership change put them in (docs/GROUPS.md). */
  unverified: z.boolean(),
  /** The user compared the safety number and marked them verified. */
  verified: z.boolean(),
  /** Their keys changed and the user has not acknowledged it. */
  changed: z.boolean(),
});
export type GroupMemberView = z.infer<typeof GroupMemberView>;

// Lengths are checked by the core with a sentence for the person (common/trust/group-input.ts); these bounds
// only keep absurd requests out of it.
const Usernames = z.array(z.string().max(64)).max(255);
const Title = z.string().max(1_000);

/** Starting chats and groups, and changing their members (docs/GROUPS.md); they need the server. */
export const groupRequests = {
  /** One username: a chat with that person (titled after both unless named); several: a group, which needs a name. */
  startChat: request(z.strictObject({ usernames: Usernames, title: Title.optional() }), z.object({ chatId: Id })),
  getChatMembers: request(ChatRef, z.object({ members: z.array(GroupMemberView) })),
  renameChat: request(z.strictObject({ chatId: Id, title: Title }), Ok),
  /** Joins them under a new key version: they read nothing written before. */
  addChatMembers: request(z.strictObject({ chatId: Id, usernames: Usernames }), Ok),
  /** A new key version sealed only to who remains: the removed read nothing written after. */
  removeChatMembers: request(z.strictObject({ chatId: Id, userIds: z.array(Id).max(255) }), Ok),
  /** The chat and its messages leave every device of this user. */
  leaveChat: request(ChatRef, Ok),
};
