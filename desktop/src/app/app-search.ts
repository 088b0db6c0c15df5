import path from 'node:path';
import type { AppCore } from '../core/desktop-core';
import type { KeyVault } from '../core/keys/key-vault';
import { EncryptedSearchIndex } from '../core/search/encrypted-search-index';
import { searchIndexKey } from '../core/search/search-index-key';
import type { DesktopDrafts } from '../core/drafts/desktop-drafts';
import { SearchFeeder } from './search-feeder';
import { hiddenForMe } from './chat-prefs';

/** The on-disk search index beside the store (page-encrypted; docs/SEARCH.md). */
export const SEARCH_INDEX_FILE = 'symc-search.db';

/**
 * The search index the app keeps on disk (EncryptedSearchIndex, its key in the vault), and the feeder that
 * keeps it in step with the linked core. Open while a core is; its files go when the session ends.
 */
export class AppSearch {
  private current: EncryptedSearchIndex | null = null;
  private feeder: SearchFeeder | null = null;
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, SEARCH_INDEX_FILE);
  }

  /** The index while a core is open (null otherwise). */
  get index(): EncryptedSearchIndex | null {
    return this.current;
  }

  /** Opens the index (its key from the vault) and starts feeding it from a core that just opened. */
  async attach(core: AppCore, drafts: DesktopDrafts, vault: KeyVault): Promise<SearchFeeder> {
    this.detach();
    this.current = EncryptedSearchIndex.open(this.file, await searchIndexKey(vault));
    this.feeder = new SearchFeeder(core, this.current, drafts, (chatId) => hiddenForMe(core, chatId));
    return this.feeder;
  }

  /** The core is closing: a build in progress must not read the store being closed; the index closes. */
  detach(): void {
    this.feeder?.dispose();
    this.feeder = null;
    this.current?.close();
    this.current = null;
  }

  /** Logout / unlink (its key left with the vault's wipe), or a wipe cut short: the index's files are deleted. */
  wipe(): void {
    this.detach();
    EncryptedSearchIndex.deleteFiles(this.file);
  }

  get ready(): boolean {
    return this.feeder?.ready ?? false;
  }

  /** Chats that left this desktop (the storage budget) leave the index too. */
  removeChats(chatIds: readonly string[]): void {
    for (const chatId of chatIds) this.feeder?.forgetChat(chatId);
  }
}
