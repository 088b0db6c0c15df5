import { type BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import {
  createIpcDispatch,
  IPC_CHANNEL_PREFIX,
  IPC_EVENT_CHANNEL,
  IPC_REQUEST_NAMES,
  type IpcEventName,
} from '../../../common/contract';
import type { AppService } from '../app/app-service';
import { createHandlers } from '../app/handlers';
import { isAppUrl } from './renderer-protocol';

/**
 * One ipcMain.handle per request channel of the contract table, all through the same dispatcher (which
 * validates the payload and the answer). A request is answered only when it comes from our window's main
 * frame at our app:// origin — anything else (another webContents, a subframe, a navigated page) is refused.
 */
export function registerIpc(app: AppService, window: () => BrowserWindow | null): () => void {
  const dispatch = createIpcDispatch(createHandlers(app), (channel, error) =>
    console.error(`[symc ipc] ${channel}:`, error),
  );

  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const win = window();
    const frame = event.senderFrame;
    return (
      win !== null &&
      event.sender.id === win.webContents.id &&
      frame !== null &&
      frame.parent === null && // the main frame, not a subframe
      isAppUrl(frame.url)
    );
  };

  for (const name of IPC_REQUEST_NAMES) {
    ipcMain.handle(`${IPC_CHANNEL_PREFIX}${name}`, async (event, payload: unknown) => {
      if (!trusted(event)) return { ok: false, error: { code: 'forbidden', message: 'IPC from an unknown sender' } };
      return dispatch(name, payload);
    });
  }

  const offEvents = app.onEvent((event: IpcEventName, payload: unknown) => {
    const win = window();
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
  });

  return () => {
    offEvents();
    for (const name of IPC_REQUEST_NAMES) ipcMain.removeHandler(`${IPC_CHANNEL_PREFIX}${name}`);
  };
}
