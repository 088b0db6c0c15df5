import { IpcError } from '../../../common/contract';
import type { DesktopCore } from '../core/desktop-core';
import { DraftTooLongError } from '../core/drafts/draft-sync';

/**
 * The composer's drafts, through the core's draft service (issue 7: saved encrypted after a debounce,
 * synced to the user's other devices). This adapter only gives the app service the shapes it wants.
 */
export class Drafts {
  constructor(private readonly core: DesktopCore) {}

  edit(chatId: string, text: string): void {
    try {
      this.core.drafts.edit(chatId, text);
    } catch (error) {
      if (error instanceof DraftTooLongError) throw new IpcError('invalid_request', error.message);
      throw error;
    }
  }

  /** The chat's draft text ('' when there is none). */
  read(chatId: string): string {
    return this.core.drafts.read(chatId) ?? '';
  }

  onChange(listener: (chatId: string) => void): () => void {
    return this.core.drafts.onChange(listener);
  }

  async flush(): Promise<void> {
    await this.core.drafts.flush();
  }
}
