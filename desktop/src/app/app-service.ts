import { type AppSnapshot, IpcError, type UpdateView } from '../../../common/contract';
import { initCrypto } from '../../../common/crypto';
import { eraseKeptStore, holdsKeptStore } from '../core/desktop-core';
import type { KeyVault } from '../core/keys/key-vault';
import type { EncryptedSearchIndex } from '../core/search/encrypted-search-index';
import type { StorageBudget } from '../core/store/storage-budget';
import { AppSearch } from './app-search';
import { changeViewsOf } from './change-views';
import { wireCoreEvents } from './core-event-fan-out';
import { type IncomingMessage, IncomingNotifier } from './incoming-notifier';
import { type Linked, LinkedCore } from './linked-core';
import { PairingFlow } from './pairing-flow';
import { type AppEventListener, RendererEvents } from './renderer-events';
import { SessionEndNote } from './session-end-note';
import { syncView } from './views';

export type { AppEventListener } from './renderer-events';
export type { IncomingMessage } from './incoming-notifier';
export { SEARCH_INDEX_FILE } from './app-search';

export interface AppServiceOptions {
  readonly serverUrl: string;
  readonly dataDir: string;
  readonly vault: KeyVault;
  readonly deviceName: string;
  readonly platform: 'macos' | 'windows' | 'linux';
  readonly budget?: StorageBudget;
  readonly fetch?: typeof fetch;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Pairing QR rotation (default 30 s) — shorter in tests. */
  readonly rotateEveryMs?: number;
  /** Auto-update, when the shell has it (Electron); headless has none. */
  readonly updates?: { status(): UpdateView; accept(): void; setSyncActive(active: boolean): void };
  /** The shell's save dialog (Electron); null: cancelled. Headless has none (its renderer downloads). */
  readonly chooseSavePath?: (suggestedName: string) => Promise<string | null>;
}

/**
 * The desktop app, in plain Node: answers the IPC contract (handlers.ts) and pushes its events. Electron's
 * main process and the headless host both just plug it in; nothing heavy runs in the renderer. It only
 * composes the pieces, one per concern:
 * - PairingFlow: the pairing screen, until a phone approves this desktop;
 * - LinkedCore: the DesktopCore's lifecycle (open, close, dropped when the session ends);
 * - RendererEvents: the IPC events to the renderer; wireCoreEvents fans the core's events out to it;
 * - IncomingNotifier: live messages worth a notification;
 * - AppSearch: the on-disk, page-encrypted search index and its feeder.
 */
export class AppService {
  private readonly events = new RendererEvents(() => {
    const linked = this.core.current;
    return linked ? changeViewsOf(linked) : null;
  });
  private readonly incoming = new IncomingNotifier();
  private readonly search: AppSearch;
  private readonly pairing: PairingFlow;
  private readonly core: LinkedCore;
  /** Why the last session ended by itself, for the pairing screen (until linked again). */
  private readonly sessionEnd: SessionEndNote;

  constructor(readonly options: AppServiceOptions) {
    this.sessionEnd = new SessionEndNote(options.dataDir);
    this.search = new AppSearch(options.dataDir);
    this.pairing = new PairingFlow(
      options,
      (view) => this.events.emit('pairingState', view),
      (approvedAt) => {
        this.sessionEnd.clear();
        return this.openCore(true, approvedAt);
      },
    );
    this.core = new LinkedCore(options, {
      attach: async (core, drafts) => {
        const feeder = await this.search.attach(core, drafts, options.vault);
        const unwire = wireCoreEvents({
          core,
          drafts,
          feeder,
          events: this.events,
          incoming: this.incoming,
          ...(options.updates ? { setSyncActive: (active) => options.updates?.setSyncActive(active) } : {}),
          isCurrent: () => this.core.current?.core === core,
        });
        return {
          feeder,
          detach: () => {
            unwire();
            this.search.detach();
          },
        };
      },
      ended: (reason) => {
        this.search.wipe(); // its key left with the vault's wipe
        if (reason === 'signed-out') this.sessionEnd.clear();
        else this.sessionEnd.write({ reason, at: Date.now() });
        this.pairing.reset();
        this.events.emit('sessionEnded', { reason });
        this.events.emit('appState', this.snapshot());
      },
    });
  }

  /** Opens the linked core if this desktop is linked (and starts syncing); otherwise waits on the pairing screen. */
  async start(): Promise<void> {
    await initCrypto();
    await this.openCore();
  }

  async stop(): Promise<void> {
    this.pairing.stop();
    await this.core.close('stop');
  }

  onEvent(listener: AppEventListener): () => void {
    return this.events.on(listener);
  }

  onIncoming(listener: (incoming: IncomingMessage) => void): () => void {
    return this.incoming.on(listener);
  }

  // ---- state --------------------------------------------------------------------------------------

  snapshot(): AppSnapshot {
    const core = this.core.current?.core;
    if (!core) {
      const sessionEnd = this.sessionEnd.read();
      return {
        screen: 'pairing',
        ...(sessionEnd ? { sessionEnd } : {}),
        ...(holdsKeptStore(this.options.dataDir) ? { keptHistory: true } : {}),
        account: null,
        pairing: this.pairing.view,
        sync: null,
        lastOpenedChatId: null,
      };
    }
    return {
      screen: 'main',
      account: { username: core.session.username, deviceId: core.session.deviceId, serverUrl: core.session.serverUrl },
      pairing: this.pairing.view,
      sync: syncView(core.progress, core.outboxPending(), core.firstSyncTimes()),
      lastOpenedChatId: core.lastOpenedChatId(),
    };
  }

  /** The linked core; handlers that need one refuse with `wrong_state` on the pairing screen. */
  linked(): Linked {
    return this.core.require();
  }

  /** The search index while linked (null on the pairing screen); `ready` once it covers the history. */
  searchIndex(): { index: EncryptedSearchIndex | null; ready: boolean } {
    return { index: this.search.index, ready: this.search.ready };
  }

  get updates(): AppServiceOptions['updates'] {
    return this.options.updates;
  }

  // ---- pairing ------------------------------------------------------------------------------------

  startPairing(): void {
    if (this.core.current) throw new IpcError('wrong_state', 'This desktop is already linked.');
    this.pairing.start();
  }

  cancelPairing(): void {
    this.pairing.cancel();
  }

  /** "Sign out" on the pairing screen instead of linking again: the kept history is erased, the note too. */
  eraseKeptHistory(): void {
    if (this.core.current) throw new IpcError('wrong_state', 'This desktop is linked: sign out from Settings.');
    eraseKeptStore(this.options.dataDir);
    this.search.wipe();
    this.sessionEnd.clear();
    this.events.emit('appState', this.snapshot());
  }

  // ---- chats --------------------------------------------------------------------------------------

  /** The chat on screen: protected from eviction, marked opened on the server (drives phase 1 elsewhere). */
  setActiveChat(chatId: string | null): void {
    this.linked().core.setOpenChat(chatId);
  }

  /** A symc:// link reached the app (OS handler, second instance): the renderer shows it. */
  linkOpened(url: string): void {
    this.events.emit('linkOpened', { url: url.slice(0, 2048) });
  }

  /** Auto-update changes, from the Electron shell. */
  updateStatusChanged(status: UpdateView): void {
    this.events.emit('updateStatus', status);
  }

  chatsChanged(chatIds: string[]): void {
    this.events.chatsChanged(chatIds);
  }

  messagesChanged(chatId: string, messageIds: string[]): void {
    this.events.messagesChanged(chatId, messageIds);
  }

  /** Chats the storage budget evicted (their keys already left memory): out of search and the list. */
  evicted(chatIds: readonly string[]): void {
    this.linked();
    this.search.removeChats(chatIds);
    if (chatIds.length > 0) this.chatsChanged([...chatIds]);
  }

  /** "Log out / unlink this device": the server forgets it; the session's wipe then clears everything here. */
  async signOut(): Promise<void> {
    await this.core.signOut();
  }

  private async openCore(justLinked = false, approvedAt: number | null = null): Promise<void> {
    if (!(await this.core.open(justLinked, approvedAt))) this.search.wipe(); // not linked: an index left by a wipe cut short goes
    this.events.emit('appState', this.snapshot());
  }
}
