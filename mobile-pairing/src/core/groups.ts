import { type ApiClient, ApiError, type ChatSummary, Username } from '../../../common/contract';
import type { ChatKey } from '../../../common/crypto';
import type { PhoneSession } from './account';
import { startChat } from './chats';
import { StartChatRefused } from './conversations';

/** "sam, kim lee" → ["sam", "kim", "lee"]: usernames as typed, separated by commas or spaces, "@" allowed. */
export function parseUsernames(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((u) => u.trim().replace(/^@/, '').toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/**
 * A chat with one person or a group with several, found by exact username (docs/GROUPS.md). A group
 * needs a name (everyone in it sees it, encrypted like the messages); a one-to-one chat defaults to both names.
 */
export async function startChatWithMany(
  client: ApiClient,
  me: PhoneSession,
  input: { usernames: readonly string[]; title?: string },
): Promise<{ chat: ChatSummary; chatKey: ChatKey; title: string }> {
  const usernames = [...new Set(input.usernames)];
  if (usernames.length === 0) throw new StartChatRefused('Type the username of at least one person.');
  for (const username of usernames) {
    if (!Username.safeParse(username).success)
      throw new StartChatRefused(`"${username}" is not a username: 3–32 lowercase letters, digits, "_" or ".".`);
    if (username === me.username) throw new StartChatRefused('You are always in your own chats: leave yourself out.');
  }
  const title = input.title?.trim() || (usernames.length === 1 ? `${me.username} & ${usernames[0]}` : '');
  if (!title) throw new StartChatRefused('Name the group: everyone in it sees the name.');
  if (title.length > 200) throw new StartChatRefused('The title is too long (200 characters at most).');
  try {
    const { chat, chatKey } = await startChat(client, me, { title, memberUsernames: usernames });
    return { chat, chatKey, title };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found')
      throw new StartChatRefused(`One of ${usernames.map((u) => `"${u}"`).join(', ')} is not on this server.`);
    throw error;
  }
}
