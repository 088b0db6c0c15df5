import { type ApiClient, ApiError, type ChatSummary, Username } from '../../../common/contract';
import type { ChatKey } from '../../../common/crypto';
import { checkNewChat, GroupInputError } from '../../../common/trust/group-input';
import type { PhoneSession } from './account';
import { keysForSending, startChat } from './chats';
import { phoneContacts } from './contacts';
import { changeMembership, openChat, renameChat } from '../../../common/trust/group-actions';
import type { ApiCaller } from '../../../common/trust/contact-book-replica';
import { StartChatRefused } from './conversations';

export { parseUsernames } from '../../../common/trust/group-input';

/**
 * A chat with one person or a group with several, found by exact username (docs/GROUPS.md). The input
 * rules are the desktop's too (common/trust/group-input.ts).
 */
export async function startChatWithMany(
  client: ApiClient,
  me: PhoneSession,
  input: { usernames: readonly string[]; title?: string },
): Promise<{ chat: ChatSummary; chatKey: ChatKey; title: string }> {
  let checked: { usernames: string[]; title: string };
  try {
    checked = checkNewChat(input, me.username);
  } catch (error) {
    if (error instanceof GroupInputError) throw new StartChatRefused(error.message);
    throw error;
  }
  const { usernames, title } = checked;
  try {
    const { chat, chatKey } = await startChat(client, me, { title, memberUsernames: usernames });
    return { chat, chatKey, title };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found')
      throw new StartChatRefused(`One of ${usernames.map((u) => `"${u}"`).join(', ')} is not on this server.`);
    throw error;
  }
}

/** What the member screen shows: the members signed statements prove, and those the server lists beyond them. */
export interface ChatMembers {
  readonly chat: ChatSummary;
  readonly members: readonly string[];
  /** Listed by the server, put in by no signed change: shown as a warning, never sealed to. */
  readonly unverified: readonly string[];
  readonly keyVersion: number;
}

export async function chatMembers(client: ApiClient, me: PhoneSession, chatId: string): Promise<ChatMembers> {
  const chat = await client.call('getChat', { params: { chatId } });
  const contacts = await phoneContacts(client, me);
  const { membership } = await openChat(callerOf(client), me, contacts, chat);
  return { chat, members: membership.members, unverified: membership.unverified, keyVersion: membership.keyVersion };
}

/** Adds someone by exact username: a new key version sealed to everyone now in (docs/GROUPS.md). */
export async function addMember(client: ApiClient, me: PhoneSession, chatId: string, typed: string) {
  const username = typed.trim().replace(/^@/, '').toLowerCase();
  if (!Username.safeParse(username).success)
    throw new StartChatRefused(`"${username}" is not a username: 3–32 lowercase letters, digits, "_" or ".".`);
  const contacts = await phoneContacts(client, me);
  let userId: string;
  try {
    userId = await contacts.lookup(username);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found')
      throw new StartChatRefused(`There is no one called "${username}" on this server.`);
    throw error;
  }
  const chat = await client.call('getChat', { params: { chatId } });
  if (chat.members.some((m) => m.userId === userId)) throw new StartChatRefused(`${username} is already in this chat.`);
  return changeMembership(callerOf(client), me, contacts, chat, { action: 'add', subjects: [userId] });
}

/** Removes a member: the next key version is sealed only to those who remain. */
export async function removeMember(client: ApiClient, me: PhoneSession, chatId: string, userId: string) {
  const chat = await client.call('getChat', { params: { chatId } });
  const contacts = await phoneContacts(client, me);
  return changeMembership(callerOf(client), me, contacts, chat, { action: 'remove', subjects: [userId] });
}

/** Renames under the current key (rotating first when a member left since: nothing new under their key). */
export async function renameGroup(client: ApiClient, me: PhoneSession, chatId: string, title: string) {
  const trimmed = title.trim();
  if (!trimmed) throw new StartChatRefused('A chat needs a name.');
  if (trimmed.length > 200) throw new StartChatRefused('The title is too long (200 characters at most).');
  const { chat, keys } = await keysForSending(client, me, await client.call('getChat', { params: { chatId } }));
  return renameChat(callerOf(client), chat, keys, trimmed);
}

/** Leaves: the server forgets my membership and key copies; the next member to write rotates the key. */
export async function leaveGroup(client: ApiClient, chatId: string): Promise<void> {
  await client.call('leaveChat', { params: { chatId } });
}

const callerOf = (client: ApiClient): ApiCaller => client.call.bind(client) as ApiCaller;
