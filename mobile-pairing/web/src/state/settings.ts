import { create } from 'zustand';
import type { ApiClient } from '../../../../common/contract';
import type { UserSettings } from '../../../../common/content';
import type { PhoneSession } from '../../../src/core/account';
import { readSettings, updateSettings } from '../../../src/core/settings';

interface SettingsStore {
  /** null until read from the server this session. */
  readonly settings: UserSettings | null;
  load(client: ApiClient, me: PhoneSession): Promise<UserSettings>;
  update(client: ApiClient, me: PhoneSession, patch: Partial<UserSettings>): Promise<void>;
  reset(): void;
}

/** The user's synced settings (shared with their desktops), decrypted in memory for the session. */
export const useSettings = create<SettingsStore>()((set) => ({
  settings: null,
  async load(client, me) {
    const { settings } = await readSettings(client, me);
    set({ settings });
    return settings;
  },
  async update(client, me, patch) {
    set({ settings: await updateSettings(client, me, patch) });
  },
  reset() {
    set({ settings: null });
  },
}));
