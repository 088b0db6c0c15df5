import { ApiError } from '../../../../common/contract';
import { encryptUserSettings, type UserSettings } from '../../../../common/content';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import type { StorageBudget } from '../store/storage-budget';
import { putStoredSettings, readUserSettings, rememberOpenedSettings, storedSettings } from '../store/user-settings';
import type { SyncEngine } from '../sync/sync-engine';

const MB = 1024 * 1024;
/** A write that keeps losing to other devices' writes gives up after this many tries (then reports). */
const MAX_ATTEMPTS = 4;

/** The most a desktop keeps whatever the settings say (the IPC contract's bound: 10 GiB). */
const MAX_BUDGET_MEGABYTES = 10 * 1024;

/**
 * The budget the user's synced settings ask for, or null when they don't say. Clamped to what this app
 * supports: the settings are written by any client (a newer one may allow more), and one out-of-range
 * value must not make them unreadable here.
 */
export function budgetFromSettings(settings: UserSettings | null): StorageBudget | null {
  const b = settings?.desktopBudget;
  return b ? { maxChats: b.maxChats, maxBytes: Math.min(b.maxMegabytes, MAX_BUDGET_MEGABYTES) * MB } : null;
}

/**
 * The user's app settings on this desktop (`core.settings`): one envelope under the master key, shared by
 * all the user's devices. Incoming versions arrive with the sync (`settings:sync`, between phases 2 and 3,
 * and live). An edit is merged into the newest settings this desktop knows, encrypted, and written with
 * that version as its base; when another device wrote in between (409 stale_version) it re-reads, merges
 * the edit again and retries — so edits of different fields on two devices both survive, and the last
 * edit of the same field wins. Unknown fields (from a newer app) are kept.
 */
export class SettingsSync {
  private readonly listeners = new Set<(settings: UserSettings) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly session: DeviceSession,
    private readonly store: LocalStore,
    engine: SyncEngine,
  ) {
    this.unsubscribe = engine.onEvents((events) => {
      if (events.some((e) => e.name === 'settings:sync')) this.changed();
    });
  }

  /** The settings decrypted in memory ({} when there are none yet). */
  read(): UserSettings {
    return readUserSettings(this.store, this.session.masterKey, this.session.userId) ?? {};
  }

  /**
   * Merges `patch` into the settings (or applies `edit` to them: it runs again on the newer settings after a
   * lost race, e.g. one chat's prefs changed without touching the others') and writes them for every
   * device. Needs the server (throws ApiError offline).
   */
  async update(patch: Partial<UserSettings> | ((settings: UserSettings) => UserSettings)): Promise<UserSettings> {
    for (let attempt = 1; ; attempt++) {
      const base = storedSettings(this.store);
      const next: UserSettings = typeof patch === 'function' ? patch(this.read()) : { ...this.read(), ...patch };
      const ciphertext = encryptUserSettings(this.session.masterKey, this.session.userId, next);
      try {
        const saved = await this.session.call('putSettings', { body: { ciphertext, baseVersion: base?.version ?? 0 } });
        this.store.transaction(() => putStoredSettings(this.store, saved));
        this.changed();
        return this.read();
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'stale_version' || attempt >= MAX_ATTEMPTS) throw error;
        // Another device wrote first: take its version, then apply this edit on top of it.
        const { settings } = await this.session.call('getSettings', {});
        if (settings) this.store.transaction(() => putStoredSettings(this.store, settings));
      }
    }
  }

  /**
   * Reads the settings from the server now (a new desktop, before its first stream: a chat deleted for me
   * must be known before its history arrives). Throws ApiError offline.
   */
  async refresh(): Promise<void> {
    const { settings } = await this.session.call('getSettings', {});
    if (!settings) return;
    this.store.transaction(() => putStoredSettings(this.store, settings));
    this.changed();
  }

  onChange(listener: (settings: UserSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private changed(): void {
    rememberOpenedSettings(this.store, this.session.masterKey, this.session.userId);
    const settings = this.read();
    for (const listener of this.listeners) listener(settings);
  }
}
