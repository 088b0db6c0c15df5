import MiniSearch from 'minisearch';
import { snippetAround } from './snippet';

export type SearchKind = 'chat' | 'message' | 'draft';

export interface SearchHit {
  readonly kind: SearchKind;
  readonly chatId: string;
  readonly messageId: string | null;
  readonly chatTitle: string;
  readonly snippet: string;
  readonly highlights: Array<[number, number]>;
  readonly sentAt: number | null;
  readonly score: number;
}

interface Doc {
  readonly id: string;
  readonly kind: SearchKind;
  readonly chatId: string;
  readonly messageId: string | null;
  readonly text: string;
  readonly sentAt: number | null;
}

export interface IndexedMessage {
  readonly messageId: string;
  readonly chatId: string;
  readonly text: string;
  readonly sentAt: number;
}

const docId = (kind: SearchKind, id: string) => `${kind}:${id}`;

/**
 * Full-text search over decrypted chat titles, messages and drafts (minisearch: prefix and light fuzzy
 * matching, every query word must match). It lives in memory only — it holds plaintext, so it is never
 * serialised, and `clear()` drops it on logout. Documents are replaced by id, so re-adding is harmless.
 */
export class LocalSearch {
  private index = LocalSearch.createIndex();
  private readonly docs = new Map<string, Doc>();
  private readonly titles = new Map<string, string>();

  private static createIndex(): MiniSearch<Doc> {
    return new MiniSearch<Doc>({
      fields: ['text'],
      storeFields: [],
      searchOptions: { prefix: true, fuzzy: (term) => (term.length > 4 ? 0.2 : 0), combineWith: 'AND' },
    });
  }

  get size(): number {
    return this.docs.size;
  }

  setChat(chatId: string, title: string): void {
    this.titles.set(chatId, title);
    this.put({ id: docId('chat', chatId), kind: 'chat', chatId, messageId: null, text: title, sentAt: null });
  }

  addMessages(messages: readonly IndexedMessage[]): void {
    for (const m of messages) {
      if (m.text.trim() === '') continue;
      this.put({
        id: docId('message', m.messageId),
        kind: 'message',
        chatId: m.chatId,
        messageId: m.messageId,
        text: m.text,
        sentAt: m.sentAt,
      });
    }
  }

  /** An empty or null draft removes it. */
  setDraft(chatId: string, text: string | null): void {
    const id = docId('draft', chatId);
    if (text === null || text.trim() === '') this.remove(id);
    else this.put({ id, kind: 'draft', chatId, messageId: null, text, sentAt: null });
  }

  /** A message deleted (for everyone or for me) leaves the index. */
  removeMessage(messageId: string): void {
    this.remove(docId('message', messageId));
  }

  /** Evicted or gone: the chat, its messages and its draft leave the index. */
  removeChat(chatId: string): void {
    for (const doc of [...this.docs.values()]) if (doc.chatId === chatId) this.remove(doc.id);
    this.titles.delete(chatId);
  }

  search(query: string, limit = 50): SearchHit[] {
    const q = query.trim();
    if (q === '') return [];
    return this.index
      .search(q)
      .slice(0, limit)
      .flatMap((result) => {
        const doc = this.docs.get(String(result.id));
        if (!doc) return [];
        const { snippet, highlights } = snippetAround(doc.text, [...result.terms, ...result.queryTerms]);
        return [
          {
            kind: doc.kind,
            chatId: doc.chatId,
            messageId: doc.messageId,
            chatTitle: this.titles.get(doc.chatId) ?? 'Encrypted chat',
            snippet,
            highlights,
            sentAt: doc.sentAt,
            score: result.score,
          },
        ];
      });
  }

  /** Logout / lock: every plaintext string held here is dropped. */
  clear(): void {
    this.index = LocalSearch.createIndex();
    this.docs.clear();
    this.titles.clear();
  }

  private put(doc: Doc): void {
    if (this.docs.has(doc.id)) this.index.discard(doc.id);
    this.docs.set(doc.id, doc);
    this.index.add(doc);
  }

  private remove(id: string): void {
    if (!this.docs.has(id)) return;
    this.index.discard(id);
    this.docs.delete(id);
  }
}
