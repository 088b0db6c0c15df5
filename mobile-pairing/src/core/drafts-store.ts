import { compareDrafts, type DraftRecord } from '../../../common/contract';

/** A draft as the phone keeps it: the server's record, or a local edit not yet accepted (`pending`). */
export interface PhoneDraft extends DraftRecord {
  readonly pending: boolean;
}

/**
 * The phone's drafts, in memory (ciphertext only, like everything the phone keeps). The same rule as the
 * server and the desktop store: a draft from the server is taken unless the local one wins over it by
 * compareDrafts; the server's copy of our own pending edit confirms it.
 */
export class PhoneDraftStore {
  private readonly drafts = new Map<string, PhoneDraft>();

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
    return draft;
  }

  /** Stop retrying an edit the server refused for good. */
  abandon(chatId: string, version: number): void {
    const local = this.drafts.get(chatId);
    if (local && local.version === version) this.drafts.set(chatId, { ...local, pending: false });
  }

  pending(): PhoneDraft[] {
    return [...this.drafts.values()].filter((d) => d.pending);
  }

  chatsWithDrafts(): string[] {
    return [...this.drafts.values()].filter((d) => d.ciphertext !== null).map((d) => d.chatId).sort();
  }

  clear(): void {
    this.drafts.clear();
  }
}
