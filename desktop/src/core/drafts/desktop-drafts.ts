import { DraftEditor, type DraftEditorStore } from '../../../../common/drafts/draft-editor';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import type { SyncEngine } from '../sync/sync-engine';

export { DRAFT_DEBOUNCE_MS, DraftTooLongError } from '../../../../common/drafts/draft-editor';

/** A local edit the server refused for good (not a network failure: those are retried). */
export interface DraftProblem {
  readonly chatId: string;
  readonly code: string;
  readonly message: string;
}

export interface DesktopDraftsOptions {
  readonly session: DeviceSession;
  readonly store: LocalStore;
  readonly engine: SyncEngine;
  /** Default DRAFT_DEBOUNCE_MS; tests pass a few milliseconds. */
  readonly debounceMs?: number;
  /** Until the server tells its own MAX_DRAFT_CHARS (GET /drafts), the contract's default. */
  readonly maxChars?: number;
}

/** The local store's draft table, as the shared editor sees it. */
function draftTable(store: LocalStore): DraftEditorStore {
  return {
    get(chatId) {
      const row = store.getDraft(chatId);
      return (
        row && { chatId: row.chat_id, ciphertext: row.ciphertext, version: row.version, pending: row.pending === 1 }
      );
    },
    apply: (draft) => store.putDraft(draft),
    saveLocal(chatId, ciphertext, deviceId) {
      store.saveLocalDraft(chatId, ciphertext, deviceId);
    },
    abandon: (chatId, version) => store.abandonDraft(chatId, version),
    pending: () =>
      store
        .listPendingDrafts()
        .map((row) => ({ chatId: row.chat_id, ciphertext: row.ciphertext, version: row.version, pending: true })),
    chatsWithDrafts: () => store.chatsWithDrafts(),
  };
}

/**
 * The desktop's drafts (`core.drafts`): the shared DraftEditor (common/drafts, docs/DRAFTS.md) over the
 * local store, following the sync engine. What the composer types is saved 1.2 s after the last
 * keystroke, encrypted under the master key at version + 1 (pending), then sent to the server — or kept
 * pending while offline and sent when the stream reconnects. Drafts from the user's other devices arrive
 * as `draft:update` and, on every reconnect, through GET /drafts; the store keeps whichever wins by the
 * shared rule. An edit refused as stale lost to a concurrent one: this device adopts the server's draft.
 */
export class DesktopDrafts {
  private readonly editor: DraftEditor;
  private readonly problemListeners = new Set<(problem: DraftProblem) => void>();
  private readonly subscriptions: Array<() => void> = [];
  private connected = false;

  constructor(private readonly options: DesktopDraftsOptions) {
    this.editor = new DraftEditor({
      store: draftTable(options.store),
      api: options.session,
      session: options.session,
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      ...(options.maxChars !== undefined ? { maxChars: options.maxChars } : {}),
      onRefused: (chatId, error) => this.report({ chatId, code: error.code, message: error.message }),
      onPushError: (error) => this.report({ chatId: '', code: 'internal', message: (error as Error).message }),
    });
  }

  get debounceMs(): number {
    return this.editor.debounceMs;
  }

  /** The longest draft this device accepts (the server's MAX_DRAFT_CHARS once known): the composer's maxlength. */
  get maxChars(): number {
    return this.editor.maxChars;
  }

  /** Follows the sync engine: incoming drafts notify listeners; each (re)connection sends what is pending and catches up. */
  start(): void {
    const { engine } = this.options;
    this.subscriptions.push(
      engine.onEvents((events) => {
        for (const event of events) if (event.name === 'draft:update') this.editor.changed(event.payload.draft.chatId);
      }),
      engine.onProgress((progress) => {
        const connected = progress.connection === 'connected';
        // Every (re)connection: send what is pending, then take every draft the server holds that wins.
        // Offline again or refused: the next connection catches up.
        if (connected && !this.connected) void this.editor.refresh().catch(() => undefined);
        this.connected = connected;
      }),
    );
  }

  /**
   * Called on every keystroke. Saves `text` as the chat's draft once no edit came for `debounceMs`;
   * an empty text deletes the draft. Throws DraftTooLongError (nothing is saved) for a text over `maxChars`.
   */
  edit(chatId: string, text: string): void {
    this.editor.edit(chatId, text);
  }

  /** Saves every edit still waiting for its debounce, then sends what is pending (resolves offline too). */
  flush(): Promise<void> {
    return this.editor.flush();
  }

  /** The chat's draft for display (what was just typed, else the stored one decrypted), or null. */
  read(chatId: string): string | null {
    return this.editor.read(chatId);
  }

  /** Chats that have a draft (the chat list's markers). */
  chatsWithDrafts(): string[] {
    return this.editor.chatsWithDrafts();
  }

  /** Called with the chat id whenever that chat's draft may have changed (saved here, or from another device). */
  onChange(listener: (chatId: string) => void): () => void {
    return this.editor.onChange(listener);
  }

  onProblem(listener: (problem: DraftProblem) => void): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  /** Stops following the engine; edits still waiting are saved locally (sent on the next start). */
  async stop(): Promise<void> {
    this.editor.saveTyping();
    for (const off of this.subscriptions.splice(0)) off();
    this.connected = false;
    await this.editor.idle();
  }

  /** Sign-out / unlink: typed text is dropped, nothing more is written (the store is being wiped). */
  dispose(): void {
    this.editor.close();
    for (const off of this.subscriptions.splice(0)) off();
  }

  private report(problem: DraftProblem): void {
    for (const listener of this.problemListeners) listener(problem);
  }
}
