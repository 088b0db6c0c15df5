import { type ApiClient, ApiError } from '../../../common/contract';
import { DraftEditor } from '../../../common/drafts/draft-editor';
import type { PhoneSession } from './account';
import { type DraftStorage, type PhoneDraft, PhoneDraftStore } from './drafts-store';

export { DRAFT_DEBOUNCE_MS, DraftTooLongError } from '../../../common/drafts/draft-editor';

export interface PhoneDraftsOptions {
  readonly client: ApiClient;
  /** The signed-in phone: its user and device ids and master key. */
  readonly session: Pick<PhoneSession, 'userId' | 'deviceId' | 'masterKey'>;
  readonly debounceMs?: number;
  readonly maxChars?: number;
  /** Keeps the drafts (ciphertext) across page loads, so an offline edit survives a closed tab. */
  readonly storage?: DraftStorage;
}

/**
 * The phone's drafts, for the web app and any other phone front end: the shared DraftEditor
 * (common/drafts, docs/DRAFTS.md) over an in-memory store, the same behaviour as the desktop's DesktopDrafts.
 * Saved `debounceMs` after the last keystroke, encrypted under the master key at version + 1, sent at
 * once; kept pending when the network fails and sent again by the next `refresh` (the app calls it from
 * its polling, which also brings other devices' drafts). A PUT refused as stale lost to a concurrent
 * edit: the phone adopts the server's draft. An empty text deletes the draft.
 */
export class PhoneDrafts {
  private readonly store: PhoneDraftStore;
  private readonly problems = new Map<string, string>();
  private readonly editor: DraftEditor;

  constructor(private readonly options: PhoneDraftsOptions) {
    this.store = new PhoneDraftStore(options.storage);
    this.editor = new DraftEditor({
      store: this.store,
      api: options.client,
      session: options.session,
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      ...(options.maxChars !== undefined ? { maxChars: options.maxChars } : {}),
      onSaved: (chatId) => this.problems.delete(chatId),
      onRefused: (chatId, error) => {
        this.problems.set(chatId, error.message);
        this.editor.changed(chatId);
      },
    });
  }

  get debounceMs(): number {
    return this.editor.debounceMs;
  }

  get maxChars(): number {
    return this.editor.maxChars;
  }

  /** Every keystroke. Throws DraftTooLongError (nothing saved) over `maxChars`; '' deletes the draft. */
  edit(chatId: string, text: string): void {
    this.editor.edit(chatId, text);
  }

  /** Saves edits still waiting for their debounce and sends everything pending. */
  flush(): Promise<void> {
    return this.editor.flush();
  }

  /** The chat's draft for display (just typed, else the stored one decrypted), or null. */
  read(chatId: string): string | null {
    return this.editor.read(chatId);
  }

  /** Fetches one chat's draft from the server (opening a chat), then reads it. */
  async load(chatId: string): Promise<string | null> {
    try {
      const draft = await this.options.client.call('getDraft', { params: { chatId } });
      if (draft) this.editor.take(draft);
    } catch (error) {
      // Offline, or the chat is gone (404): the stored draft is what there is.
      if (!(error instanceof ApiError) || (error.code !== 'not_found' && error.status !== 0)) throw error;
    }
    return this.read(chatId);
  }

  /** Sends what is pending, then takes every draft the server holds that wins (the app's polling calls this). */
  refresh(): Promise<void> {
    return this.editor.refresh();
  }

  chatsWithDrafts(): string[] {
    return this.editor.chatsWithDrafts();
  }

  /** The stored draft as kept (ciphertext, version, device, pending), for diagnostics and tests. */
  localDraft(chatId: string): PhoneDraft | null {
    return this.store.get(chatId);
  }

  /** Whether this chat has an edit the server has not accepted yet. */
  isPending(chatId: string): boolean {
    return this.editor.isPending(chatId);
  }

  /** The last refusal of this chat's draft (too long for the server, …), for the composer to show. */
  problem(chatId: string): string | null {
    return this.problems.get(chatId) ?? null;
  }

  onChange(listener: (chatId: string) => void): () => void {
    return this.editor.onChange(listener);
  }

  /** Sign-out: timers stop, decryptable state is dropped. */
  close(): void {
    this.editor.close();
    this.store.clear();
  }
}
