import { LocalSearch } from '../core/search/local-search';
import type { DesktopCore } from '../core/desktop-core';
import type { Drafts } from './drafts';
import { SearchFeeder } from './search-feeder';

/**
 * The search index the app holds in memory, and the feeder that keeps it in step with the linked core.
 * The index outlives a core only empty: closing the core clears it (no plaintext stays behind).
 */
export class AppSearch {
  readonly index = new LocalSearch();
  private feeder: SearchFeeder | null = null;

  /** Starts feeding from a core that just opened. */
  attach(core: DesktopCore, drafts: Drafts): SearchFeeder {
    this.detach();
    this.feeder = new SearchFeeder(core, this.index, drafts);
    return this.feeder;
  }

  /** The core is closing: a build in progress must not read the store being closed or wiped. */
  detach(): void {
    this.feeder?.dispose();
    this.feeder = null;
    this.index.clear();
  }

  get ready(): boolean {
    return this.feeder?.ready ?? false;
  }

  /** Chats that left this desktop (the storage budget) leave the index too. */
  removeChats(chatIds: readonly string[]): void {
    for (const chatId of chatIds) this.index.removeChat(chatId);
  }
}
