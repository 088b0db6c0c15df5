import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type BoxKeyPair, decodePublicKey, type Envelope, unwrapIdentitySecretKey } from '../../../common/crypto';
import { DesktopAttachments } from './attachments/desktop-attachments';
import { DesktopContacts } from './contacts/desktop-contacts';
import { ChatKeyring } from './crypto/chat-keyring';
import { DesktopDrafts } from './drafts/desktop-drafts';
import { DesktopGroups } from './groups/desktop-groups';
import { budgetFromSettings, SettingsSync } from './settings/settings-sync';
import { readUserSettings, storedSettings } from './store/user-settings';
import { ChatDeletes } from './settings/chat-deletes';
import { ReadMarkers, withReadThrough } from './settings/read-markers';
import type { UserSettings } from '../../../common/content';
import type { KeyVault } from './keys/key-vault';
import { DeviceSession, type SessionEndType } from './session/device-session';
import { LocalStore } from './store/local-store';
import { DEFAULT_BUDGET, type StorageBudget } from './store/storage-budget';
import { SyncEngine } from './sync/sync-engine';
import { FirstSyncClock, type FirstSyncTimes } from './sync/first-sync-times';
import { MessageActions } from './sync/message-actions';
import { ServerHistory } from './history/server-history';
import { ChatReader } from './view/chat-reader';
import { SigningKeySource } from './session/signing-key-source';
import { SenderBook } from '../../../common/trust/message-author';
import { Id, type MessageRecord } from '../../../common/contract';
import type { StorageStats } from './store/storage-budget';
import type { ParsedEvent } from './sync/event-applier';
import type { SendOutcome } from './sync/outbox';
import type { SyncProgress } from './sync/sync-progress';
import { type SenderKeyDirectory, withOwnKeys } from '../../../common/trust/sender-keys';
import {
  accountFingerprint,
  claimStore,
  describeKeptHistory,
  eraseAccountFiles,
  type StoreClaim,
} from './relink/store-account';

/** Only an expiry keeps the store for a relink; every other end erases it with the keys. */
export function keepsStore(reason: SessionEndType): boolean {
  return reason === 'expired';
}

export interface DesktopCoreOptions {
  readonly dataDir: string;
  readonly vault: KeyVault;
  readonly budget?: StorageBudget;
  readonly fetch?: typeof fetch;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** When the stream counts as held back on the way, and the REST fallback's pace (defaults in sync-engine.ts). */
  readonly fallback?: {
    readonly streamBlockedMs?: number;
    readonly pollIntervalMs?: number;
    readonly streamRetryMs?: number;
  };
  /** Draft save delay after the last keystroke (default 1.2 s; tests shorten it). */
  readonly draftDebounceMs?: number;
  /**
   * Where the names and signing keys of message senders come from (default: the server's directory,
   * believed on first use for the life of the process). A pinned directory plugs in here.
   */
  readonly senderDirectory?: SenderKeyDirectory;
  /**
   * The vault was just filled by a pairing: a store found on disk without this account's fingerprint is
   * erased rather than adopted (relink/store-account.ts).
   */
  readonly justLinked?: boolean;
}

/**
 * The core as the app layer (desktop/src/app, main, headless) sees it: everything but the store and the sync
 * engine. The app asks the core for what it needs and never reaches through it to their SQL or queues;
 * tests, which do, hold the whole `DesktopCore`. ESLint keeps `DesktopCore` out of the app layer's imports
 * (linked-core.ts, which opens it, excepted).
 */
export type AppCore = Omit<DesktopCore, 'store' | 'engine'>;

/** A store kept after an expiry is on disk (DesktopCore.holdsKeptStore), for the app layer. */
export const holdsKeptStore = (dataDir: string): boolean => DesktopCore.holdsKeptStore(dataDir);
/** Erases a kept store and the account's files beside it (DesktopCore.eraseKeptStore), for the app layer. */
export const eraseKeptStore = (dataDir: string): void => DesktopCore.eraseKeptStore(dataDir);

/**
 * Everything a signed-in desktop runs, wired together: the device session, the encrypted store, the key
 * ring, the sync engine and the reader that decrypts for display. The Electron main process hosts one;
 * headless runs and tests create one directly. Unlinking or signing out wipes the store and the keys.
 */
export class DesktopCore {
  private identity: BoxKeyPair | null = null;
  private openChatId: string | null = null;
  private readonly firstSync: FirstSyncClock;
  /** "Delete chat for me" carried out here when it arrives in the settings (docs/MESSAGES.md). */
  readonly chatDeletes: ChatDeletes;
  /** Read markers between the user's devices while read receipts are off (docs/MESSAGES.md). */
  private readonly readMarkers: ReadMarkers;
  /** The settings as last read (decrypting them for every arriving batch would cost the sync). */
  private settingsNow: UserSettings = {};

  private constructor(
    readonly session: DeviceSession,
    readonly store: LocalStore,
    readonly keyring: ChatKeyring,
    readonly engine: SyncEngine,
    readonly reader: ChatReader,
    /** Encrypted drafts that follow the user across devices (the composer's edit/read/onChange). */
    readonly drafts: DesktopDrafts,
    /** The user's app settings (theme, notifications, send on Enter, storage budget), shared by their devices. */
    readonly settings: SettingsSync,
    /** The account's signing key (signs what the outbox sends). */
    readonly signing: SigningKeySource,
    /** The contacts' pinned keys (shared by the user's devices), safety numbers and key-change warnings. */
    readonly contacts: DesktopContacts,
    /** What opening found in the store: this account's history kept (`same`), none, or another's erased. */
    readonly storeClaim: StoreClaim,
  ) {
    this.firstSync = new FirstSyncClock(store);
    this.chatDeletes = new ChatDeletes({ store, drafts, reader, attachments: () => this.attachmentsValue });
    this.readMarkers = new ReadMarkers(store, session.userId);
    // Before the app's listeners (registered later): a deletion's purge and a marker's reads are in the
    // store by the time the views are redrawn.
    settings.onChange((value) => this.followSettings(value));
    // Messages arriving after a marker was read here (a fresh sync's later phases) are read already.
    engine.onMessages(
      (records) => void this.readMarkers.apply(this.settingsNow, new Set(records.map((r) => r.chatId))),
    );
    engine.onProgress((progress) => this.firstSync.observe(progress, Date.now()));
    // A storage budget in the synced settings applies on every desktop of the user, at once.
    settings.onChange((value) => {
      const budget = budgetFromSettings(value);
      const current = engine.getBudget();
      if (budget && (budget.maxChats !== current.maxChats || budget.maxBytes !== current.maxBytes)) {
        // Evicted chats' keys leave memory too (the app's listeners drop them from lists and search).
        for (const chatId of engine.setBudget(budget)) keyring.forget(chatId);
      }
    });
  }

  static databaseFile(dataDir: string): string {
    return path.join(dataDir, 'symc-local.db');
  }

  /** The encrypted attachment cache (blobs as the server holds them, no names). */
  static attachmentsDir(dataDir: string): string {
    return path.join(dataDir, 'attachments');
  }

  private attachmentsValue: DesktopAttachments | null = null;
  /** Files: sending, fetching into the encrypted cache, reading back (docs/ATTACHMENTS.md). */
  get attachments(): DesktopAttachments {
    if (!this.attachmentsValue) throw new Error('attachments are wired in DesktopCore.open');
    return this.attachmentsValue;
  }

  /** A store kept after an expiry is on disk (not linked: nothing of it can be read without a relink). */
  static holdsKeptStore(dataDir: string): boolean {
    return existsSync(DesktopCore.databaseFile(dataDir));
  }

  /** "Sign out" instead of linking again: the kept store and the account's files beside it are erased. */
  static eraseKeptStore(dataDir: string): void {
    const file = DesktopCore.databaseFile(dataDir);
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
    eraseAccountFiles(dataDir);
  }

  /** Opens the core for the device in `vault`, or returns null when this desktop is not linked. */
  static async open(options: DesktopCoreOptions): Promise<DesktopCore | null> {
    const session = await DeviceSession.restore(options.vault, options.fetch);
    if (!session) return null;
    // A store kept from an earlier session is this account's only if its fingerprint says so; another
    // account's is erased (with its files beside it) before anything of this one is written.
    const claimed = claimStore(
      LocalStore.open(DesktopCore.databaseFile(options.dataDir)),
      accountFingerprint(session.masterKey, session.userId),
      options.justLinked ?? false,
    );
    if (claimed.claim === 'wiped') eraseAccountFiles(options.dataDir);
    if (claimed.claim === 'same' && options.justLinked) describeKeptHistory(claimed.store);
    const store = claimed.store;
    let core: DesktopCore | null = null;
    const signing = new SigningKeySource(session);
    const keyring = new ChatKeyring(
      session.masterKey,
      session.userId,
      () => core?.identity ?? null,
      (chatId, version) => store.chatKeyCopy(chatId, version),
    );
    const engine = new SyncEngine({
      session,
      store,
      keyring,
      // The synced settings' budget, when they have one, wins over the default (and over options.budget).
      budget:
        budgetFromSettings(readUserSettings(store, session.masterKey, session.userId)) ??
        options.budget ??
        DEFAULT_BUDGET,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...options.fallback,
      signingKey: () => signing.get(),
      // Key versions >= 2 are stored only once checked against the chat's signed membership (docs/GROUPS.md).
      keyVerifier: () => core?.groups.verifier ?? null,
    });
    const drafts = new DesktopDrafts({
      session,
      store,
      engine,
      ...(options.draftDebounceMs !== undefined ? { debounceMs: options.draftDebounceMs } : {}),
    });
    const contacts = new DesktopContacts(session, store, engine, () => signing.publicKey);
    // Senders are checked against the pinned keys (the contact book), never a fresh server answer; my own
    // messages against my own key.
    const directory = options.senderDirectory ?? contacts.contacts;
    const senders = new SenderBook(
      withOwnKeys(directory, {
        userId: session.userId,
        username: session.username,
        signingPublicKey: async () => (await signing.get())?.publicKey ?? null,
      }),
    );
    // Not sending read receipts hides others' read state too (docs/MESSAGES.md).
    const reader = new ChatReader(
      store,
      keyring,
      session.userId,
      senders,
      () => core?.settings.read().sendReadReceipts !== false,
    );
    // A pin that changed (acknowledged, verified, synced from another device) re-checks every sender shown.
    contacts.onChange(() => reader.clear());
    core = new DesktopCore(
      session,
      store,
      keyring,
      engine,
      reader,
      drafts,
      new SettingsSync(session, store, engine),
      signing,
      contacts,
      claimed.claim,
    );
    const attachments = new DesktopAttachments({
      dir: DesktopCore.attachmentsDir(options.dataDir),
      session,
      store,
      keyring,
      reader,
      signingKey: () => signing.get(),
      budget: () => engine.getBudget(),
      beforeWrite: (chatId) => core!.groups.rotateIfDue(chatId),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    core.attachmentsValue = attachments;
    // Deletions and read markers the stored settings hold (a purge cut short by a crash is carried out now).
    core.followSettings(core.settings.read());
    // Files leave with their chats, then media shrinks to what the budget leaves after the messages.
    engine.onEvicted((chatIds) => void attachments.evicted(chatIds).catch(() => undefined));
    // Back online: file messages waiting to be sent go now (the text outbox goes with hello).
    let wasConnected = false;
    engine.onProgress((progress) => {
      const connected = progress.connection === 'connected';
      if (connected && !wasConnected) attachments.outbox.kick();
      wasConnected = connected;
    });
    // Small files of live messages are fetched in the background; the history's only when a chat opens.
    engine.onMessages((records) => {
      if (engine.progress.primed || engine.progress.mode === 'live') attachments.autoDownloadRecords(records);
    });
    // A queued message refused as stale moves to the chat's verified current key version (docs/GROUPS.md).
    engine.outbox.useKeyMoves((chatId) => core!.groups.verifiedCurrentKey(chatId));
    session.onEvent((event) => core!.wipeLocal(event.type));
    return core;
  }

  /**
   * Starts syncing. Chats shared with us by sealed key open with the identity key, so it is loaded first:
   * from the credentials (handed over at pairing), or — credentials of an older build — from the server
   * once, then kept. Nothing here waits for the network when the identity is stored.
   */
  async start(): Promise<void> {
    this.identity ??= this.storedIdentity();
    if (!this.identity) {
      try {
        const me = await this.session.call('me', {});
        this.identity = {
          publicKey: decodePublicKey(me.identityPublicKey),
          secretKey: unwrapIdentitySecretKey(me.wrappedIdentitySecretKey, this.session.masterKey, me.userId),
        };
        await this.session.rememberIdentity({
          publicKey: me.identityPublicKey,
          wrappedSecretKey: me.wrappedIdentitySecretKey,
        });
      } catch {
        // Offline at start: chats already stored still open with their wrapped keys; retried on next start.
      }
    }
    // Fetched now when the credentials don't hold it, so the first message is signed without a wait.
    void this.signing.get();
    // A store that never synced reads the settings before its first stream (they would come only between
    // phases 2 and 3): the messages of a chat deleted for me are then never stored, not even for a moment.
    if (!this.hasSynced() && storedSettings(this.store) === null) await this.settings.refresh().catch(() => undefined);
    this.drafts.start();
    this.engine.start();
    void this.contacts.start();
    // File messages left waiting by an earlier run resume (from the server's offsets) once connected.
    this.attachments.outbox.open();
    this.attachments.outbox.kick();
  }

  private followSettings(settings: UserSettings): void {
    this.settingsNow = settings;
    this.chatDeletes.apply(settings);
    this.readMarkers.apply(settings);
  }

  private storedIdentity(): BoxKeyPair | null {
    const stored = this.session.storedIdentity;
    if (!stored) return null;
    try {
      return {
        publicKey: decodePublicKey(stored.publicKey),
        secretKey: unwrapIdentitySecretKey(
          stored.wrappedSecretKey as Envelope,
          this.session.masterKey,
          this.session.userId,
        ),
      };
    } catch {
      return null; // damaged: fetched again from the server
    }
  }

  async stop(): Promise<void> {
    await this.drafts.stop();
    await this.engine.stop();
    await this.attachmentsValue?.outbox.stop();
    this.store.close();
  }

  /** "Log out / unlink this device": the server forgets it, then keys and database are wiped here. */
  async signOut(): Promise<void> {
    await this.engine.stop();
    await this.session.signOut();
  }

  /**
   * The session ended: every key leaves memory. The store goes too, except when the session merely
   * expired (unused too long): then it stays on disk — ciphertext whose keys just left with the vault —
   * for a relink by the same account to keep and catch up (docs/DEVICE-LIFECYCLE.md). An unlink or a
   * session ended server-side (signed out, a stolen refresh token) erases it.
   */
  private wipeLocal(reason: SessionEndType): void {
    this.drafts.dispose();
    this.settings.dispose();
    this.contacts.dispose();
    this.reader.clear();
    this.signing.clear();
    this.keyring.clear();
    this.identity?.secretKey.fill(0);
    this.identity = null;
    if (keepsStore(reason)) {
      // The encrypted blobs stay with the store they belong to (a relink by another account erases both).
      this.attachmentsValue?.stop();
      this.store.close();
    } else {
      this.attachmentsValue?.wipe();
      this.store.wipe();
    }
  }

  // ---- what the app asks of a linked desktop ------------------------------------------------------
  // The app layer (desktop/src/app) goes through these and never reaches into the store, the engine
  // or the key ring: each one keeps an invariant of the core in the core.

  get progress(): SyncProgress {
    return this.engine.progress;
  }

  /** The phone approved this desktop at `at` (this clock): the first sync's times count from there. */
  recordApproval(at: number): void {
    this.firstSync.approved(at);
  }

  /** Approval → first readable chat and → complete copy, for this desktop's first sync (null: linked before). */
  firstSyncTimes(): FirstSyncTimes | null {
    return this.firstSync.times;
  }

  /** Messages written here that the server has not taken yet. */
  outboxPending(): number {
    return this.engine.outbox.pending() + this.attachments.outbox.pending();
  }

  onProgress(listener: (progress: SyncProgress) => void): () => void {
    return this.engine.onProgress(listener);
  }

  onMessages(listener: (records: MessageRecord[]) => void): () => void {
    return this.engine.onMessages(listener);
  }

  onEvents(listener: (events: readonly ParsedEvent[]) => void): () => void {
    return this.engine.onEvents(listener);
  }

  /** A queued message sent by a retry, or refused for good. */
  onOutboxChange(listener: (chatId: string, messageIds: string[]) => void): () => void {
    const offText = this.engine.outbox.onChange(listener);
    const offFiles = this.attachments.outbox.onChange(listener);
    return () => {
      offText();
      offFiles();
    };
  }

  /** The server revoked this device or it signed out: the keys and the store are wiped by then. */
  onSessionEnded(listener: (reason: SessionEndType) => void): () => void {
    return this.session.onEvent((event) => listener(event.type));
  }

  /** Stops syncing after the session ended (the store is already wiped; nothing to close). */
  async stopSyncing(): Promise<void> {
    await this.engine.stop().catch(() => undefined);
  }

  /** This desktop finished (at least the start of) a first sync before: its history is in the store. */
  hasSynced(): boolean {
    return (this.store.getState('cursor') ?? '') !== '';
  }

  /** The chat the user had open last, when it is still on this desktop. */
  lastOpenedChatId(): string | null {
    const last = Id.safeParse(this.store.getState('last_opened_chat_id'));
    return last.success && this.store.hasChat(last.data) ? last.data : null;
  }

  /** Unread = messages from someone else this account has not marked read, per chat. */
  unreadCounts(): Map<string, number> {
    return this.store.unread.counts(this.session.userId);
  }

  /** The server's reasons for the chat's queued messages it refused for good, by message id. */
  sendFailures(chatId: string): Map<string, string> {
    return new Map([...this.engine.outbox.failures(chatId), ...this.attachments.outbox.failures(chatId)]);
  }

  /** `replyToMessageId`: the message this one answers; its quote travels inside the signed body. */
  async send(
    chatId: string,
    text: string,
    replyToMessageId?: string,
  ): Promise<{ messageId: string; queued: boolean; failed: string | null }> {
    const replyTo = replyToMessageId === undefined ? undefined : this.actions.quote(chatId, replyToMessageId);
    // A member left: the next key version first, so nothing new is written under a key the leaver holds.
    await this.groups.rotateIfDue(chatId);
    return this.engine.outbox.send(chatId, text, replyTo);
  }

  private messageActions: MessageActions | null = null;
  /** Edit, delete for everyone, delete for me (docs/MESSAGES.md). */
  get actions(): MessageActions {
    return (this.messageActions ??= new MessageActions(this.session, this.store, this.keyring, this.reader, () =>
      this.signing.get(),
    ));
  }

  private serverHistory: ServerHistory | null = null;
  /** History beyond the synced set: older pages, chats not on this desktop (docs/SYNC.md). */
  get history(): ServerHistory {
    return (this.serverHistory ??= new ServerHistory({
      session: this.session,
      store: this.store,
      keyring: this.keyring,
      // The budget as it stands, with the open chat protected; evicted chats' keys leave memory.
      enforceBudget: () => this.setBudget(this.engine.getBudget()),
      onStored: (chatId) => void this.readMarkers.apply(this.settingsNow, [chatId]),
    }));
  }

  retrySend(chatId: string, messageId: string): Promise<SendOutcome> {
    // File messages wait in their own outbox (docs/ATTACHMENTS.md); the same retry sends them.
    if (this.attachments.outbox.has(messageId)) return this.attachments.outbox.retry(messageId);
    return this.engine.outbox.retry(chatId, messageId);
  }

  /**
   * Sends read receipts for the chat's unread messages, `perCall` at a time, and marks them read here once
   * the server took them. Offline, they stay unread here and are marked on the next open. Returns how many.
   */
  private desktopGroups: DesktopGroups | null = null;
  /** Start chats and groups, rename, add and remove members, leave (docs/GROUPS.md). */
  get groups(): DesktopGroups {
    return (this.desktopGroups ??= new DesktopGroups(
      this.session,
      this.store,
      this.keyring,
      this.contacts,
      () => this.identity,
      () => this.signing.get(),
    ));
  }

  async markRead(chatId: string, perCall: number): Promise<number> {
    const ids = this.store.unread.messageIds(chatId, this.session.userId);
    let marked = 0;
    // Read receipts off (the synced setting): the senders see "delivered" (docs/MESSAGES.md); the user's
    // other devices learn it from the read marker in the settings, which only they can open.
    if (this.settings.read().sendReadReceipts === false) {
      this.store.transaction(() => {
        for (const id of ids) if (this.store.setMessageStatus(chatId, id, 'read')) marked++;
      });
      const position = this.readMarkers.positionOf(chatId, ids[ids.length - 1]);
      // Offline: not written; the next read of the chat carries a marker at least as far.
      if (position)
        await this.settings.update((settings) => withReadThrough(settings, chatId, position)).catch(() => undefined);
      return marked;
    }
    for (let i = 0; i < ids.length; i += perCall) {
      const messageIds = ids.slice(i, i + perCall);
      const result = await this.session
        .call('markMessages', { params: { chatId }, body: { messageIds, status: 'read' } })
        .catch(() => null);
      if (!result) break;
      this.store.transaction(() => {
        for (const id of messageIds) if (this.store.setMessageStatus(chatId, id, 'read')) marked++;
      });
    }
    return marked;
  }

  /** Pins on the server, then here at once (the chat:update event brings the same state back later). */
  async setPinned(chatId: string, pinned: boolean): Promise<void> {
    await this.session.call('updateMyChatState', { params: { chatId }, body: { pinned } });
    this.store.setPinned(chatId, pinned);
  }

  /**
   * The chat on screen: protected from eviction and marked opened on the server (drives phase 1 on the
   * user's other devices). Null: none.
   */
  setOpenChat(chatId: string | null): void {
    if (chatId !== null && chatId === this.openChatId) return;
    if (this.openChatId) this.engine.protectedChats.delete(this.openChatId);
    this.openChatId = chatId;
    if (!chatId) return;
    this.engine.protectedChats.add(chatId);
    void this.session.call('updateMyChatState', { params: { chatId }, body: { opened: true } }).catch(() => undefined);
  }

  /** The chat on screen (setOpenChat), if any. */
  get openChat(): string | null {
    return this.openChatId;
  }

  /**
   * `bytes`: the messages; `mediaBytes`: attachment blobs — cached, and sealed ones waiting to be sent (shown
   * apart; together within the budget).
   */
  storageStats(): StorageStats & { readonly mediaBytes: number } {
    return { ...this.store.stats(this.engine.getBudget()), mediaBytes: this.attachments.bytes() };
  }

  /** Applies a budget here; returns the chats it evicted (their keys have left memory). */
  setBudget(budget: StorageBudget): string[] {
    const evicted = this.engine.setBudget(budget);
    for (const chatId of evicted) this.keyring.forget(chatId);
    return evicted;
  }

  async listDevices() {
    return (await this.session.call('listDevices', {})).devices;
  }

  /** This desktop's own sync status as the server sees it (seed 001's `sync_status_request`: `GET /sync/status`). */
  async ownSyncStatus() {
    return this.session.call('getSyncStatus', {});
  }
}
