import { type ApiClient, ApiError, type ChatSummary } from '../../../common/contract';
import type { ChatKey } from '../../../common/crypto';
import { checkNewChat, GroupInputError } from '../../../common/trust/group-input';
import type { PhoneSession } from './account';
import { startChat } from './chats';
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
