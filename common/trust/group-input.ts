import { Username } from '../contract';

/** A start-a-chat or group request a person typed that can't go to the server as it is; the message says why. */
export class GroupInputError extends Error {
  readonly code = 'group_input';
  constructor(message: string) {
    super(message);
    this.name = 'GroupInputError';
  }
}

export const MAX_CHAT_TITLE = 200;

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

/** Every name must be a username, and not mine (I am always in my own chats). */
export function checkUsernames(usernames: readonly string[], myUsername: string): string[] {
  const unique = [...new Set(usernames)];
  if (unique.length === 0) throw new GroupInputError('Type the username of at least one person.');
  for (const username of unique) {
    if (!Username.safeParse(username).success)
      throw new GroupInputError(`"${username}" is not a username: 3–32 lowercase letters, digits, "_" or ".".`);
    if (username === myUsername) throw new GroupInputError('You are always in your own chats: leave yourself out.');
  }
  return unique;
}

export function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (!trimmed) throw new GroupInputError('Name the group: everyone in it sees the name.');
  if (trimmed.length > MAX_CHAT_TITLE)
    throw new GroupInputError(`The title is too long (${MAX_CHAT_TITLE} characters at most).`);
  return trimmed;
}

/**
 * A new chat with one person or a group with several, found by exact username (docs/GROUPS.md). A group
 * needs a name (everyone in it sees it, encrypted like the messages); a one-to-one chat defaults to both names.
 */
export function checkNewChat(
  input: { usernames: readonly string[]; title?: string },
  myUsername: string,
): { usernames: string[]; title: string } {
  const usernames = checkUsernames(input.usernames, myUsername);
  const typed = input.title?.trim() ?? '';
  const title = typed || (usernames.length === 1 ? `${myUsername} & ${usernames[0]}` : '');
  return { usernames, title: checkTitle(title) };
}
