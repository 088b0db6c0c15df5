import { type ApiClient, ApiError, type SettingsRecord } from '../../../common/contract';
import {
  advancedReadThrough,
  type ChatPref,
  type ReadPosition,
  chatPrefOf,
  decryptUserSettings,
  encryptUserSettings,
  type UserSettings,
  withChatPref,
} from '../../../common/content';
import type { PhoneSession } from './account';

/** A write that keeps losing to other devices' writes gives up after this many tries. */
const MAX_ATTEMPTS = 4;

/**
 * The user's synced settings as the phone holds them, for the per-chat prefs (mute, archive, delete for
 * me; common/content/chat-prefs.ts). One envelope under the master key shared with the user's desktops
 * (`GET/PUT /settings`, live `settings:sync`). A change is applied to the newest settings known and written
 * with that version as its base; when another device wrote in between (409 stale_version) it re-reads and
 * applies the change again, so changes to different chats on two devices both survive. Fields this app
 * doesn't know (a desktop's budget, a newer app's) are kept.
 */
export class PhoneSettings {
  private record: SettingsRecord | null = null;
  private settings: UserSettings = {};

  constructor(
    private readonly client: ApiClient,
    private readonly me: Pick<PhoneSession, 'userId' | 'masterKey'>,
  ) {}

  read(): UserSettings {
    return this.settings;
  }

  prefOf(chatId: string): ChatPref {
    return chatPrefOf(this.settings, chatId);
  }

  get version(): number {
    return this.record?.version ?? 0;
  }

  async refresh(): Promise<UserSettings> {
    const { settings } = await this.client.call('getSettings', {});
    if (settings) this.accept(settings);
    return this.settings;
  }

  /**
   * A record from the server (a read, or the live stream): taken when newer than the one held and it opens
   * under the master key; an older one (a replay) or one that doesn't open is ignored. Returns whether taken.
   */
  accept(record: SettingsRecord): boolean {
    if (record.version <= this.version) return false;
    let settings: UserSettings;
    try {
      settings = decryptUserSettings(this.me.masterKey, this.me.userId, record.ciphertext);
    } catch {
      return false;
    }
    this.record = record;
    this.settings = settings;
    return true;
  }

  /**
   * Moves the chat's read marker forward to `position` (docs/MESSAGES.md "Read state between my devices");
   * nothing is written when the marker is there or further already — also after a lost race, on the
   * other device's settings. Returns whether it was written.
   */
  async advanceReadThrough(chatId: string, position: ReadPosition): Promise<boolean> {
    let written = false;
    await this.setChatPref(chatId, (pref) => {
      const readThrough = advancedReadThrough(pref, position);
      written = readThrough !== null;
      return readThrough ? { readThrough } : null;
    });
    return written;
  }

  /**
   * `patch`, or a function of the chat's prefs as they stand at each attempt (null: nothing to write), so a
   * change that must not go backwards is decided again on the settings another device wrote.
   */
  async setChatPref(
    chatId: string,
    patch: Partial<ChatPref> | ((pref: ChatPref) => Partial<ChatPref> | null),
  ): Promise<ChatPref> {
    for (let attempt = 1; ; attempt++) {
      const change = typeof patch === 'function' ? patch(this.prefOf(chatId)) : patch;
      if (change === null) return this.prefOf(chatId);
      const next = withChatPref(this.settings, chatId, change);
      const ciphertext = encryptUserSettings(this.me.masterKey, this.me.userId, next);
      try {
        const saved = await this.client.call('putSettings', { body: { ciphertext, baseVersion: this.version } });
        this.record = saved;
        this.settings = next;
        return this.prefOf(chatId);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'stale_version' || attempt >= MAX_ATTEMPTS) throw error;
        // Another device wrote first: take its settings, then apply this change on top of them.
        await this.refresh();
      }
    }
  }
}
