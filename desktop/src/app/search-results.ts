import type { SearchResult } from '../../../common/contract';
import type { AppCore } from '../core/desktop-core';
import type { EncryptedSearchIndex } from '../core/search/encrypted-search-index';

/** How long a search waits for the directory to name the senders of its hits (pending ones say so). */
const SENDER_WAIT_MS = 300;
const LIMIT = 50;

/**
 * The IPC answer for a query: the index's hits, each with its chat's title and, for a message, its sender's
 * name as the chat view would show it — from the sender directory with the signature checked, never from
 * anything the index or the server says.
 */
export async function searchResults(
  core: AppCore,
  index: EncryptedSearchIndex,
  query: string,
): Promise<SearchResult[]> {
  const hits = index.search(query, LIMIT);
  await core.reader.loadSenders(
    hits.flatMap((h) => (h.senderUserId ? [h.senderUserId] : [])),
    SENDER_WAIT_MS,
  );
  return hits.map(({ score: _score, senderUserId: _sender, ...hit }) => {
    const senderName =
      hit.kind === 'message' && hit.messageId
        ? (core.reader.message(hit.chatId, hit.messageId)?.senderName ?? null)
        : null;
    return { ...hit, senderName };
  });
}
