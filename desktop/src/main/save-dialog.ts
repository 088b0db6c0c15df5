import path from 'node:path';
import { app, type BrowserWindow, dialog } from 'electron';

/**
 * The save dialog for an attachment: the user picks where the decrypted file goes. The suggested name is
 * the sender's, reduced to a bare file name (no directories, no separators a sender could slip in).
 */
export function saveDialog(window: () => BrowserWindow | null) {
  return async (suggestedName: string): Promise<string | null> => {
    const bare = path.basename(suggestedName.replace(/[\\/]/g, '_')).replace(/^\.+/, '') || 'attachment';
    const options = { defaultPath: path.join(app.getPath('downloads'), bare) };
    const win = window();
    const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? null : result.filePath;
  };
}
