import { IpcError } from '../../../common/contract';
import { type AppCore, DesktopCore } from '../core/desktop-core';
import type { DesktopDrafts } from '../core/drafts/desktop-drafts';
import type { KeyVault } from '../core/keys/key-vault';
import type { SessionEndType } from '../core/session/device-session';
import type { StorageBudget } from '../core/store/storage-budget';
import type { SearchFeeder } from './search-feeder';

export interface LinkedCoreOptions {
  readonly dataDir: string;
  readonly vault: KeyVault;
  readonly budget?: StorageBudget;
  readonly fetch?: typeof fetch;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** What the app holds while this desktop is linked. */
export interface Linked {
  readonly core: AppCore;
  /** The core's drafts (`core.drafts`): the composer's edit/read/onChange. */
  readonly drafts: DesktopDrafts;
  readonly feeder: SearchFeeder;
}

export interface LinkedCoreHooks {
  /** A core opened: open the search index and its feeder, wire its events; returns the unwiring (run before it closes). */
  attach(core: AppCore, drafts: DesktopDrafts): Promise<{ feeder: SearchFeeder; detach: () => void }>;
  /** The session ended: revoked, signed out, expired or ended server-side (the store and keys are wiped by then). */
  ended(reason: SessionEndType): void;
}

/**
 * The linked core's lifecycle: opened at start or once pairing succeeds, closed on shutdown, and dropped
 * when the session ends (revoked, signed out) — with every plaintext the app held.
 */
export class LinkedCore {
  private linked: Linked | null = null;
  private detach: () => void = () => undefined;

  constructor(
    private readonly options: LinkedCoreOptions,
    private readonly hooks: LinkedCoreHooks,
  ) {}

  get current(): Linked | null {
    return this.linked;
  }

  /** The linked core; handlers that need one refuse with `wrong_state` on the pairing screen. */
  require(): Linked {
    if (!this.linked) throw new IpcError('wrong_state', 'This desktop is not linked yet.');
    return this.linked;
  }

  /**
   * Opens the core if this desktop is linked, and starts syncing. False: not linked. `justLinked`: a
   * pairing just filled the vault (a kept store is then this account's only if its fingerprint proves it).
   */
  async open(justLinked = false, approvedAt: number | null = null): Promise<boolean> {
    const core = await DesktopCore.open({
      dataDir: this.options.dataDir,
      vault: this.options.vault,
      justLinked,
      ...(this.options.budget ? { budget: this.options.budget } : {}),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    });
    if (!core) return false;
    // Just paired: the first sync's times count from the approval (sync/first-sync-times.ts).
    if (approvedAt !== null) core.recordApproval(approvedAt);
    const drafts = core.drafts;
    const { feeder, detach } = await this.hooks.attach(core, drafts);
    const offEnded = core.onSessionEnded((reason) => void this.close(reason));
    this.linked = { core, drafts, feeder };
    this.detach = () => {
      offEnded();
      detach();
    };
    await core.start();
    return true;
  }

  /** "Log out / unlink this device": pending drafts go out first; the session's wipe then closes the core. */
  async signOut(): Promise<void> {
    const { core, drafts } = this.require();
    await drafts.flush().catch(() => undefined);
    await core.signOut();
  }

  /** Drops the core and what the app held for it. */
  async close(reason: 'stop' | SessionEndType): Promise<void> {
    const linked = this.linked;
    if (!linked) return;
    this.linked = null;
    this.detach();
    this.detach = () => undefined;
    if (reason === 'stop') {
      await linked.core.stop();
      return;
    }
    // The session already wiped the vault and the store — or closed the store, kept for a relink after an
    // expiry (DesktopCore listens to the same event).
    await linked.core.stopSyncing();
    this.hooks.ended(reason);
  }
}
