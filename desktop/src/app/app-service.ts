import path from 'node:path';
import { preferencesOf, shouldNotify } from './preferences';
import {
  type AppSnapshot,
  checkIpcEvent,
  Id,
  type IpcEventName,
  type IpcEventPayload,
  IpcError,
  type MessageRecord,
  type MessageView,
  type PairingView,
  type UpdateView,
} from '../../../common/contract';
import { initCrypto } from '../../../common/crypto';
import { DesktopCore } from '../core/desktop-core';
import type { KeyVault } from '../core/keys/key-vault';
import { DesktopPairing } from '../core/pairing/desktop-pairing';
import { warmUpOnce } from '../core/sync/warm-up';
import { EncryptedSearchIndex } from '../core/search/encrypted-search-index';
import { searchIndexKey } from '../core/search/search-index-key';
import type { StorageBudget } from '../core/store/storage-budget';
import { Drafts } from './drafts';
import { SearchFeeder } from './search-feeder';
import { pairingView, syncView } from './views';

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
}

/** The on-disk search index beside the store (page-encrypted; see EncryptedSearchIndex). */
export const SEARCH_INDEX_FILE = 'symc-search.db';

export type AppEventListener = <E extends IpcEventName>(event: E, payload: IpcEventPayload<E>) => void;

/** A message from someone else that arrived live: the Electron shell turns it into a notification. */
export interface IncomingMessage {
  readonly chatTitle: string;
  readonly message: MessageView;
}

/**
 * The desktop app, in plain Node: answers the IPC contract (handlers.ts) and pushes its events. It owns
 * the DesktopCore once linked, or a DesktopPairing before that, and the in-memory search index. Electron's
 * main process and the headless host both just plug it in; nothing heavy runs in the renderer.
 */
export class AppService {
  private core: DesktopCore | null = null;
  private pairing: DesktopPairing | null = null;
  private pairingState: PairingView = { kind: 'idle' };
  private readonly listeners = new Set<AppEventListener>();
  private readonly incomingListeners = new Set<(incoming: IncomingMessage) => void>();
  private search: EncryptedSearchIndex | null = null;
  private feeder: SearchFeeder | null = null;
  private drafts: Drafts | null = null;
  private unwire: Array<() => void> = [];
  private activeChatId: string | null = null;

  constructor(readonly options: AppServiceOptions) {}

  /** Opens the linked core if this desktop is linked (and starts syncing); otherwise waits on the pairing screen. */
  async start(): Promise<void> {
    await initCrypto();
    await this.openCore();
  }

  async stop(): Promise<void> {
    this.pairing?.cancel();
    this.pairing = null;
    await this.closeCore('stop');
  }

  onEvent(listener: AppEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onIncoming(listener: (incoming: IncomingMessage) => void): () => void {
    this.incomingListeners.add(listener);
    return () => this.incomingListeners.delete(listener);
  }

  // ---- state --------------------------------------------------------------------------------------

  snapshot(): AppSnapshot {
    const core = this.core;
    if (!core)
      return { screen: 'pairing', account: null, pairing: this.pairingState, sync: null, lastOpenedChatId: null };
    const last = Id.safeParse(core.store.getState('last_opened_chat_id'));
    return {
      screen: 'main',
      account: { username: core.session.username, deviceId: core.session.deviceId, serverUrl: core.session.serverUrl },
      pairing: this.pairingState,
      sync: syncView(core.engine.progress, core.engine.outbox.pending()),
      lastOpenedChatId: last.success && core.store.hasChat(last.data) ? last.data : null,
    };
  }

  /** The linked core; handlers that need one refuse with `wrong_state` on the pairing screen. */
  linked(): { core: DesktopCore; drafts: Drafts; feeder: SearchFeeder } {
    if (!this.core || !this.drafts || !this.feeder)
      throw new IpcError('wrong_state', 'This desktop is not linked yet.');
    return { core: this.core, drafts: this.drafts, feeder: this.feeder };
  }

  /** The search index while linked (null on the pairing screen); `ready` once it covers the history. */
  searchIndex(): { index: EncryptedSearchIndex | null; ready: boolean } {
    return { index: this.search, ready: (this.search !== null && this.feeder?.ready) ?? false };
  }

  get updates(): AppServiceOptions['updates'] {
    return this.options.updates;
  }

  // ---- pairing ------------------------------------------------------------------------------------

  startPairing(): void {
    if (this.core) throw new IpcError('wrong_state', 'This desktop is already linked.');
    this.pairing?.cancel();
    const pairing = new DesktopPairing({
      serverUrl: this.options.serverUrl,
      vault: this.options.vault,
      deviceName: this.options.deviceName,
      platform: this.options.platform,
      ...(this.options.rotateEveryMs ? { rotateEveryMs: this.options.rotateEveryMs } : {}),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    this.pairing = pairing;
    pairing.subscribe((state) => {
      if (this.pairing !== pairing) return;
      // While the QR is on screen: the first sync's parsing, storing and decrypting, once on made-up data.
      if (state.kind === 'showing') warmUpOnce();
      this.pairingState = pairingView(state);
      this.emit('pairingState', this.pairingState);
    });
    void pairing.start().then(async (final) => {
      if (this.pairing !== pairing || final.kind !== 'paired') return;
      this.pairing = null;
      await this.openCore();
    });
  }

  cancelPairing(): void {
    this.pairing?.cancel();
  }

  // ---- chats --------------------------------------------------------------------------------------

  /** The chat on screen: protected from eviction, marked opened on the server (drives phase 1 elsewhere). */
  setActiveChat(chatId: string | null): void {
    const { core } = this.linked();
    if (chatId !== null && chatId === this.activeChatId) return;
    if (this.activeChatId) core.engine.protectedChats.delete(this.activeChatId);
    this.activeChatId = chatId;
    if (!chatId) return;
    core.engine.protectedChats.add(chatId);
    void core.session.call('updateMyChatState', { params: { chatId }, body: { opened: true } }).catch(() => undefined);
  }

  /** A symc:// link reached the app (OS handler, second instance): the renderer shows it. */
  linkOpened(url: string): void {
    this.emit('linkOpened', { url: url.slice(0, 2048) });
  }

  /** Auto-update changes, from the Electron shell. */
  updateStatusChanged(status: UpdateView): void {
    this.emit('updateStatus', status);
  }

  chatsChanged(chatIds: string[]): void {
    this.emit('chatsChanged', { chatIds });
  }

  messagesChanged(chatId: string, messageIds: string[]): void {
    this.emit('messagesChanged', { chatId, messageIds });
  }

  evicted(chatIds: readonly string[]): void {
    const { core } = this.linked();
    for (const chatId of chatIds) {
      core.keyring.forget(chatId);
      this.feeder?.forgetChat(chatId);
    }
    if (chatIds.length > 0) this.chatsChanged([...chatIds]);
  }

  /** "Log out / unlink this device": the server forgets it; the session's wipe then clears everything here. */
  async signOut(): Promise<void> {
    const { core, drafts } = this.linked();
    await drafts.flush().catch(() => undefined);
    await core.signOut();
  }

  // ---- core lifecycle -----------------------------------------------------------------------------

  private async openCore(): Promise<void> {
    const core = await DesktopCore.open({
      dataDir: this.options.dataDir,
      vault: this.options.vault,
      ...(this.options.budget ? { budget: this.options.budget } : {}),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    });
    const searchFile = path.join(this.options.dataDir, SEARCH_INDEX_FILE);
    if (!core) {
      EncryptedSearchIndex.deleteFiles(searchFile); // left by a wipe cut short: its key is gone anyway
      this.emit('appState', this.snapshot());
      return;
    }
    this.core = core;
    this.drafts = new Drafts(core);
    this.search = EncryptedSearchIndex.open(searchFile, await searchIndexKey(this.options.vault));
    this.feeder = new SearchFeeder(core, this.search, this.drafts);
    this.wire(core, this.feeder);
    await core.start();
    this.emit('appState', this.snapshot());
  }

  private wire(core: DesktopCore, feeder: SearchFeeder): void {
    const engine = core.engine;
    this.unwire = [
      engine.onProgress((progress) => {
        this.emit('syncProgress', syncView(progress, engine.outbox.pending()));
        this.options.updates?.setSyncActive(
          progress.connection === 'connected' && !progress.primed && progress.mode !== 'live',
        );
        if (progress.primed || progress.phases[3].state === 'done' || progress.mode === 'live') feeder.build();
      }),
      engine.onMessages((records) => {
        const live = engine.progress.primed || engine.progress.mode === 'live';
        // Live messages are shown and notified with their author checked: their senders' keys first.
        if (live)
          void core.reader
            .loadSenders(records.map((r) => r.senderUserId))
            .then(() => this.core === core && this.messagesArrived(records, live, feeder));
        else this.messagesArrived(records, live, feeder);
      }),
      engine.onEvents((events) => {
        const chats = new Set<string>();
        for (const event of events) {
          if (event.name === 'chat:update') {
            chats.add(event.payload.chat.chatId);
            feeder.updateChat(event.payload.chat.chatId);
          } else if (event.name === 'draft:update') {
            chats.add(event.payload.draft.chatId);
            feeder.updateDraft(event.payload.draft.chatId);
          } else if (event.name === 'message:status') {
            this.messagesChanged(event.payload.chatId, [event.payload.messageId]);
          } else if (event.name === 'sync:initial') {
            for (const chat of event.payload.chats) chats.add(chat.chatId);
          }
        }
        for (const chatId of feeder.dropEvicted()) chats.add(chatId);
        if (chats.size > 0) this.chatsChanged([...chats]);
      }),
      // A queued message sent by a retry, or refused for good: its bubble and the pending count change.
      engine.outbox.onChange((chatId, messageIds) => {
        this.messagesChanged(chatId, messageIds);
        this.emit('syncProgress', syncView(engine.progress, engine.outbox.pending()));
      }),
      core.settings.onChange((settings) => this.emit('preferencesChanged', preferencesOf(settings))),
      core.contacts.onChange(() => this.emit('contactsChanged', {})),
      this.drafts!.onChange((chatId) => {
        feeder.updateDraft(chatId);
        this.chatsChanged([chatId]);
      }),
      core.session.onEvent((event) => {
        void this.closeCore(event.type === 'revoked' ? 'revoked' : 'signed-out');
      }),
    ];
    if ((core.store.getState('cursor') ?? '') !== '') feeder.build();
  }

  private messagesArrived(records: readonly MessageRecord[], live: boolean, feeder: SearchFeeder): void {
    const byChat = new Map<string, string[]>();
    for (const r of records) byChat.set(r.chatId, [...(byChat.get(r.chatId) ?? []), r.messageId]);
    for (const [chatId, ids] of byChat) {
      // A first sync's history is neither notified nor indexed batch by batch (the index is built once
      // the history is in): decrypting every batch here too would double the sync's crypto work on
      // this process. The views that show a chat read it themselves.
      const shown = live || feeder.ready ? feeder.addMessages(chatId, ids) : [];
      this.messagesChanged(chatId, ids);
      if (live) for (const m of shown) if (!m.mine) this.notifyIncoming(chatId, m);
    }
    this.chatsChanged([...byChat.keys()]);
  }

  private notifyIncoming(chatId: string, message: MessageView): void {
    if (
      !this.core ||
      !shouldNotify(preferencesOf(this.core.settings.read()), message.text ?? '', this.core.session.username)
    )
      return;
    const chat = this.core?.store.getChat(chatId);
    const title = (chat && this.core?.reader.meta(chat)?.title) ?? 'Symc';
    for (const listener of this.incomingListeners) listener({ chatTitle: title, message });
  }

  /** Drops the core and every plaintext the app held; back to the pairing screen unless shutting down. */
  private async closeCore(reason: 'stop' | 'signed-out' | 'revoked'): Promise<void> {
    const core = this.core;
    if (!core) return;
    this.core = null;
    for (const off of this.unwire.splice(0)) off();
    this.feeder?.dispose(); // a build in progress must not read the store being closed or wiped
    const search = this.search;
    this.search = null;
    this.drafts = null;
    this.feeder = null;
    this.activeChatId = null;
    if (reason === 'stop') {
      search?.close();
      await core.stop();
      return;
    }
    search?.wipe(); // its key left with the vault's wipe
    // The session already wiped the vault and the store (DesktopCore listens to the same event).
    await core.engine.stop().catch(() => undefined);
    this.pairingState = { kind: 'idle' };
    this.emit('sessionEnded', { reason });
    this.emit('appState', this.snapshot());
  }

  private emit<E extends IpcEventName>(event: E, payload: IpcEventPayload<E>): void {
    const checked = checkIpcEvent(event, payload);
    for (const listener of this.listeners) listener(event, checked);
  }
}
