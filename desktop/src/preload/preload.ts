/**
 * The preload: exposes window.symc — exactly the IPC contract, nothing else (no ipcRenderer, no generic
 * send). It is generated from the contract table by createSymcApi, which also validates every answer and
 * event before the page sees it. Runs sandboxed: bundled into one file that requires only 'electron'.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { z } from 'zod';
import { IPC_CHANNEL_PREFIX, IPC_EVENT_CHANNEL, type SymcApi } from '../../../common/contract/ipc';
import { createSymcApi } from '../../../common/contract/ipc-client';

z.config({ jitless: true });

const api: SymcApi = createSymcApi({
  invoke: (channel, payload) => ipcRenderer.invoke(`${IPC_CHANNEL_PREFIX}${channel}`, payload),
  subscribe: (listener) => {
    const handler = (_event: IpcRendererEvent, message: { event: string; payload: unknown }) =>
      listener(message.event, message.payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, handler);
  },
});

contextBridge.exposeInMainWorld('symc', api);
