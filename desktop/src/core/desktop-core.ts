import path from 'node:path';
import { type BoxKeyPair, decodePublicKey, type Envelope, unwrapIdentitySecretKey } from '../../../common/crypto';
import { DesktopContacts } from './contacts/desktop-contacts';
import { ChatKeyring } from './crypto/chat-keyring';
import { DraftSync } from './drafts/draft-sync';
import { budgetFromSettings, SettingsSync } from './settings/settings-sync';
import { readUserSettings } from './store/user-settings';
import type { KeyVault } from './keys/key-vault';
import { DeviceSession } from './session/device-session';
import { LocalStore } from './store/local-store';
import { DEFAULT_BUDGET, type StorageBudget } from './store/storage-budget';
import { SyncEngine } from './sync/sync-engine';
import { ChatReader } from './view/chat-reader';
import { SigningKeySource } from './session/signing-key-source';
import { SenderBook } from '../../../common/trust/message-author';
import { type SenderKeyDirectory, withOwnKeys } from '../../../common/trust/sender-keys';

export interface DesktopCoreOptions {
  readonly dataDir: string;
  readonly vault: KeyVault;
  readonly budget?: StorageBudget;
  readonly fetch?: typeof fetch;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Draft save delay after the last keystroke (default 1.2 s; tests shorten it). */
  readonly draftDebounceMs?: number;
  /**
   * Where the names and signing keys of message senders come from (default: the server's directory,
   * believed on first use for the life of the process). A pinned directory plugs in here.
   */
  readonly senderDirectory?: SenderKeyDirectory;
}

/**
 * Everything a signed-in desktop runs, wired together: the device session, the encrypted store, the key
 * ring, the sync engine and the reader that decrypts for display. The Electron main process hosts one;
 * headless runs and tests create one directly. Unlinking or signing out wipes the store and the keys.
 */
export class DesktopCore {
  private identity: BoxKeyPair | null = null;

  private constructor(
    readonly session: DeviceSession,
    readonly store: LocalStore,
    readonly keyring: ChatKeyring,
    readonly engine: SyncEngine,
    readonly reader: ChatReader,
    /** Encrypted drafts that follow the user across devices (the composer's edit/read/onChange). */
    readonly drafts: DraftSync,
    /** The user's app settings (theme, notifications, send on Enter, storage budget), shared by their devices. */
    readonly settings: SettingsSync,
    /** The account's signing key (signs what the outbox sends). */
    readonly signing: SigningKeySource,
    /** The contacts' pinned keys (shared by the user's devices), safety numbers and key-change warnings. */
    readonly contacts: DesktopContacts,
  ) {
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

  /** Opens the core for the device in `vault`, or returns null when this desktop is not linked. */
  static async open(options: DesktopCoreOptions): Promise<DesktopCore | null> {
    const session = await DeviceSession.restore(options.vault, options.fetch);
    if (!session) return null;
    const store = LocalStore.open(DesktopCore.databaseFile(options.dataDir));
    let core: DesktopCore | null = null;
    const signing = new SigningKeySource(session);
    const keyring = new ChatKeyring(session.masterKey, session.userId, () => core?.identity ?? null);
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
      signingKey: () => signing.get(),
    });
    const drafts = new DraftSync({
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
    const reader = new ChatReader(store, keyring, session.userId, senders);
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
    );
    session.onEvent(() => core!.wipeLocal());
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
    this.drafts.start();
    this.engine.start();
    void this.contacts.start();
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
    this.store.close();
  }

  /** "Log out / unlink this device": the server forgets it, then keys and database are wiped here. */
  async signOut(): Promise<void> {
    await this.engine.stop();
    await this.session.signOut();
  }

  private wipeLocal(): void {
    this.drafts.dispose();
    this.settings.dispose();
    this.contacts.dispose();
    this.reader.clear();
    this.signing.clear();
    this.keyring.clear();
    this.identity?.secretKey.fill(0);
    this.identity = null;
    this.store.wipe();
  }
}
