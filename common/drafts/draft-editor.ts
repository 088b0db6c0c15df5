import { decryptDraft, encryptDraft } from '../content';
import { type ApiClient, ApiError, DEFAULT_MAX_DRAFT_CHARS, type DraftRecord, draftLengthProblem } from '../contract';
import type { MasterKey } from '../crypto';

/** A draft is saved this long after the last keystroke (DESIGN.md "Drafts"). */
export const DRAFT_DEBOUNCE_MS = 1200;

/** Thrown by `edit` for a draft longer than the server accepts; the message is meant for the user. */
export class DraftTooLongError extends RangeError {
  override name = 'DraftTooLongError';
}

/** A stored draft as the editor needs to see it (ciphertext only). */
export interface StoredDraft {
  readonly chatId: string;
  /** null: deleted (a tombstone whose version still orders later edits). */
  readonly ciphertext: string | null;
  readonly version: number;
  /** A local edit the server has not accepted yet. */
  readonly pending: boolean;
}

/**
 * Where a device keeps its drafts: the desktop's SQLite store and the phone's memory both adapt to this.
 * `apply` follows the shared rule (compareDrafts): a draft from the server is taken unless the local one
 * wins over it, and the server's copy of our own pending edit confirms it.
 */
export interface DraftEditorStore {
  get(chatId: string): StoredDraft | null;
  /** Applies a draft from the server; returns whether the stored draft changed. */
  apply(draft: DraftRecord): boolean;
  /** A local edit at (highest version seen) + 1 by `deviceId`, pending until the server accepts it. */
  saveLocal(chatId: string, ciphertext: string | null, deviceId: string): void;
  /** Stop retrying the edit at `version` (the server refused it for good). */
  abandon(chatId: string, version: number): void;
  pending(): readonly StoredDraft[];
  /** Chats with a non-deleted stored draft. */
  chatsWithDrafts(): string[];
}

export interface DraftEditorOptions {
  readonly store: DraftEditorStore;
  /** The device's API (ApiClient, or the desktop's DeviceSession that refreshes tokens). */
  readonly api: Pick<ApiClient, 'call'>;
  /** Read on every use: the signed-in user's id, this device's id and the master key drafts are encrypted under. */
  readonly session: { readonly userId: string; readonly deviceId: string; readonly masterKey: MasterKey };
  /** Default DRAFT_DEBOUNCE_MS; tests pass a few milliseconds. */
  readonly debounceMs?: number;
  /** Until the server tells its own MAX_DRAFT_CHARS (GET /drafts), the contract's default. */
  readonly maxChars?: number;
  /** A local edit was saved (before listeners hear of it). */
  readonly onSaved?: (chatId: string) => void;
  /** The server refused an edit for good (not offline, not stale); it is no longer pending. */
  readonly onRefused?: (chatId: string, error: ApiError) => void;
  /** When given, a sending run that fails unexpectedly reports here and resolves; otherwise it rejects. */
  readonly onPushError?: (error: unknown) => void;
}

/**
 * The draft behaviour every device shares (docs/DRAFTS.md), over a store and the API: an edit is saved
 * `debounceMs` after the last keystroke, encrypted under the master key at version + 1 (pending), then
 * sent; offline it stays pending for the next `push`/`refresh`. A PUT refused as stale lost to a
 * concurrent edit: the device adopts the server's draft, so every device ends up with the same one. An
 * empty text deletes the draft. Plaintext lives only in memory (`typing`, and what `read` returns).
 * Runs in Node and in the browser. Used by the desktop's DesktopDrafts and the phone's PhoneDrafts.
 */
export class DraftEditor {
  readonly debounceMs: number;
  private maxCharsValue: number;
  private readonly typing = new Map<string, { text: string; timer: ReturnType<typeof setTimeout> }>();
  private readonly listeners = new Set<(chatId: string) => void>();
  private pushing: Promise<void> | null = null;
  private pushAgain = false;
  private closed = false;

  constructor(private readonly options: DraftEditorOptions) {
    this.debounceMs = options.debounceMs ?? DRAFT_DEBOUNCE_MS;
    this.maxCharsValue = options.maxChars ?? DEFAULT_MAX_DRAFT_CHARS;
  }

  /** The longest draft accepted (the server's MAX_DRAFT_CHARS once `refresh` learnt it). */
  get maxChars(): number {
    return this.maxCharsValue;
  }

  /** Every keystroke: saves `text` once no edit came for `debounceMs`; '' deletes. Throws DraftTooLongError over `maxChars`. */
  edit(chatId: string, text: string): void {
    const problem = draftLengthProblem(text, this.maxCharsValue);
    if (problem) throw new DraftTooLongError(problem);
    const pending = this.typing.get(chatId);
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.typing.delete(chatId);
      this.save(chatId, text);
    }, this.debounceMs);
    this.typing.set(chatId, { text, timer });
  }

  /** Saves every edit still waiting for its debounce (sending starts, not awaited). */
  saveTyping(): void {
    for (const [chatId, { text, timer }] of [...this.typing]) {
      clearTimeout(timer);
      this.typing.delete(chatId);
      this.save(chatId, text);
    }
  }

  /** Saves every edit still waiting, then sends what is pending. */
  async flush(): Promise<void> {
    this.saveTyping();
    await this.push();
  }

  /** The chat's draft for display (what was just typed, else the stored one decrypted), or null. */
  read(chatId: string): string | null {
    const typed = this.typing.get(chatId);
    if (typed) return typed.text === '' ? null : typed.text;
    const stored = this.options.store.get(chatId);
    return stored?.ciphertext ? this.decrypt(chatId, stored.ciphertext) : null;
  }

  /** Chats that have a draft, counting what is being typed (the chat list's markers). */
  chatsWithDrafts(): string[] {
    const ids = new Set(this.options.store.chatsWithDrafts());
    for (const [chatId, { text }] of this.typing) {
      if (text === '') ids.delete(chatId);
      else ids.add(chatId);
    }
    return [...ids].sort();
  }

  /** Whether this chat has an edit the server has not accepted yet (being typed, or saved and pending). */
  isPending(chatId: string): boolean {
    return this.typing.has(chatId) || this.options.store.get(chatId)?.pending === true;
  }

  /** Sends what is pending, then takes every draft the server holds that wins, and its MAX_DRAFT_CHARS. */
  async refresh(): Promise<void> {
    await this.push();
    if (this.closed) return;
    const { drafts, maxDraftChars } = await this.options.api.call('listDrafts', {});
    if (this.closed) return;
    this.maxCharsValue = maxDraftChars;
    for (const draft of drafts) this.take(draft);
  }

  /** A draft from the server (GET, or the stream): stored if it wins, and listeners hear of a change. */
  take(draft: DraftRecord): void {
    if (!this.closed && this.options.store.apply(draft)) this.changed(draft.chatId);
  }

  /** Called with the chat id whenever that chat's draft may have changed (saved here, arrived, adopted). */
  onChange(listener: (chatId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners this chat's draft may have changed. */
  changed(chatId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(chatId);
      } catch {
        // A listener's failure is its own; the others still hear about the change.
      }
    }
  }

  /** Sends the pending drafts, one run at a time; a call during a run makes one more run after it. */
  push(): Promise<void> {
    if (this.pushing) {
      this.pushAgain = true;
      return this.pushing;
    }
    const run = (async () => {
      do {
        this.pushAgain = false;
        await this.pushPendingOnce();
      } while (this.pushAgain && !this.closed);
    })();
    const { onPushError } = this.options;
    this.pushing = (onPushError ? run.catch(onPushError) : run).finally(() => {
      this.pushing = null;
    });
    return this.pushing;
  }

  /** Resolves once the sending run in progress (if any) ended, however it ended. */
  async idle(): Promise<void> {
    await this.pushing?.catch(() => undefined);
  }

  /** Sign-out / unlink: typed text is dropped, nothing more is written or announced. */
  close(): void {
    this.closed = true;
    for (const { timer } of this.typing.values()) clearTimeout(timer);
    this.typing.clear();
    this.listeners.clear();
  }

  // ---------------------------------------------------------------------------------------------

  private save(chatId: string, text: string): void {
    if (this.closed) return;
    const { store, session } = this.options;
    const local = store.get(chatId);
    const current = local?.ciphertext ? this.decrypt(chatId, local.ciphertext) : null;
    // Nothing changed (the same text again, or deleting what isn't there): no new version.
    if ((text === '' && (local === null || local.ciphertext === null)) || (text !== '' && current === text)) return;
    const ciphertext = text === '' ? null : encryptDraft(session.masterKey, session.userId, chatId, { text });
    store.saveLocal(chatId, ciphertext, session.deviceId);
    this.options.onSaved?.(chatId);
    this.changed(chatId);
    void this.push().catch(() => undefined);
  }

  private async pushPendingOnce(): Promise<void> {
    const { store, api } = this.options;
    for (const draft of store.pending()) {
      if (this.closed) return;
      const { chatId } = draft;
      try {
        this.take(
          await api.call('putDraft', {
            params: { chatId },
            body: { ciphertext: draft.ciphertext, version: draft.version },
          }),
        );
      } catch (error) {
        if (this.closed) return;
        if (!(error instanceof ApiError)) throw error;
        // Offline: everything stays pending; the next push sends it.
        if (error.status === 0) return;
        if (error.code === 'stale_version') {
          // A concurrent edit from another device won: take it (the store applies it over ours).
          const winner = await api.call('getDraft', { params: { chatId } }).catch(() => null);
          if (winner) this.take(winner);
          continue;
        }
        store.abandon(chatId, draft.version);
        this.options.onRefused?.(chatId, error);
      }
    }
  }

  private decrypt(chatId: string, ciphertext: string): string | null {
    try {
      return decryptDraft(this.options.session.masterKey, this.options.session.userId, chatId, ciphertext).text;
    } catch {
      return null; // damaged, or not this chat's: shown as no draft, the ciphertext stays untouched
    }
  }
}
