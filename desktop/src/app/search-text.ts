import { messageSearchText } from '../../../common/content';
import type { DisplayMessage } from '../core/view/chat-reader';

/**
 * What of a decrypted message the search index holds: its text and its attachments' file names (empty for
 * one that did not decrypt).
 */
export function searchableText(message: DisplayMessage): string {
  return message.decrypted ? messageSearchText(message) : '';
}
