import { type ChatPref, withChatPref } from '../../../common/content';
import { IpcError, type IpcHandlers } from '../../../common/contract';
import type { AppService } from './app-service';

type ChatPrefsHandlers = Pick<IpcHandlers, 'setChatMuted' | 'setChatArchived' | 'deleteChatForMe'>;

/** Mute, archive, delete for me: written to the synced settings first, then every view follows. */
export function chatPrefsHandlers(app: AppService, requireChat: (chatId: string) => unknown): ChatPrefsHandlers {
  const set = async (chatId: string, patch: Partial<ChatPref>) => {
    requireChat(chatId);
    try {
      // Applied to the newest settings on every retry, so another device's change to another chat survives.
      await app.linked().core.settings.update((settings) => withChatPref(settings, chatId, patch));
    } catch (error) {
      throw new IpcError('unavailable', `Not saved: ${(error as Error).message}`);
    }
    // The list entry follows from the settings change (followChatPrefs), here and on the other devices.
    return { ok: true as const };
  };
  return {
    setChatMuted: ({ chatId, muted }) => set(chatId, { muted }),
    setChatArchived: ({ chatId, archived }) => set(chatId, { archived }),
    deleteChatForMe: ({ chatId }) => {
      // Up to the newest message this desktop holds, in the server's time, so a clock can't hide a later one.
      const last = app.linked().core.reader.lastMessage(chatId);
      return set(chatId, { deletedAt: last ? Date.parse(last.createdAt) : Date.now(), archived: false });
    },
  };
}
