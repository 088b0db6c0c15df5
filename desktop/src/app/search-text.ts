import type { DisplayMessage } from '../core/view/chat-reader';

/**
 * What of a decrypted message the search index holds: its text (empty for one that did not decrypt). Other
 * searchable parts of a message (attachment file names) join here.
 */
export function searchableText(message: DisplayMessage): string {
  return message.decrypted ? message.text : '';
}
