import type { SymcApi } from '../../../../common/contract/ipc';

declare global {
  interface Window {
    /** The only way the renderer reaches the app: the preload (Electron) or the headless bridge. */
    readonly symc: SymcApi;
  }
}
