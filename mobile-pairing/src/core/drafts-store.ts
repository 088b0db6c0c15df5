import { z } from 'zod';
import { compareDrafts, DraftRecord } from '../../../common/contract';

/** A draft as the phone keeps it: the server's record, or a local edit not yet accepted (`pending`). */
export interface PhoneDraft extends DraftRecord {
  readonly pending: boolean;
}

const StoredDraft = DraftRecord.extend({ pending: z.boolean() });

/**
 * Where the phone keeps its drafts between page loads (the web app: localStorage). Only envelopes under
 * the master key, versions and device ids go in — nothing readable without the key — so an edit typed
 * offline survives the tab being closed and is sent when the network is back.
 */
export interface DraftStorage {
  load(): unknown;
  save(drafts: readonly PhoneDraft[]): void;
}

/**
 * The phone's drafts (ciphertext only, like everything the phone keeps), in memory and, when given a
 * storage, saved after every change. The same rule as the server and the desktop store: a draft from
 * the server is taken unless the local one wins over it by compareDrafts; the server's copy of our own
 * pending edit confirms it.
 */
export class PhoneDraftStore {
  private readonly drafts = new Map<string, PhoneDraft>();

  constructor(private readonly storage?: DraftStorage) {
    const loaded = z.array(StoredDraft).safeParse(storage?.load() ?? []);
    // Unreadable saved drafts (another app version, a damaged entry) are dropped, never fatal.
    if (loaded.success) for (const draft of loaded.data) this.drafts.set(draft.chatId, draft);
  }

  get(chatId: string): PhoneDraft | null {
    return this.drafts.get(chatId) ?? null;
  }

  /** Applies a draft from the server; returns whether the stored draft changed. */
  apply(draft: DraftRecord): boolean {
    const local = this.drafts.get(draft.chatId);
    const order = local ? compareDrafts(draft, local) : 1;
    if (order < 0) return false;
    if (order === 0 && local && !local.pending && local.ciphertext === draft.ciphertext) return false;
    this.drafts.set(draft.chatId, { ...draft, pending: false });
    this.persist();
    return order > 0 || local?.ciphertext !== draft.ciphertext;
  }

  /** A local edit at (highest version seen) + 1 by this device, pending until the server accepts it. */
  saveLocal(chatId: string, ciphertext: DraftRecord['ciphertext'], deviceId: string): PhoneDraft {
    const draft: PhoneDraft = {
      chatId,
      ciphertext,
      version: (this.drafts.get(chatId)?.version ?? 0) + 1,
      updatedByDevice: deviceId,
      updatedAt: new Date().toISOString(),
      pending: true,
    };
    this.drafts.set(chatId, draft);
    this.persist();
    return draft;
  }

  /** Stop retrying an edit the server refused for good. */
  abandon(chatId: string, version: number): void {
    const local = this.drafts.get(chatId);
    if (local && local.version === version) this.drafts.set(chatId, { ...local, pending: false });
    this.persist();
  }

  pending(): PhoneDraft[] {
    return [...this.drafts.values()].filter((d) => d.pending);
  }

  chatsWithDrafts(): string[] {
    return [...this.drafts.values()]
      .filter((d) => d.ciphertext !== null)
      .map((d) => d.chatId)
      .sort();
  }

  /** Sign-out: nothing is kept, in memory or saved. */
  clear(): void {
    this.drafts.clear();
    this.persist();
  }

  private persist(): void {
    try {
      this.storage?.save([...this.drafts.values()]);
    } catch {
      // Storage full or unavailable (private mode): the drafts stay in memory and on the server.
    }
  }
}
