import { Empty, Ok, request } from './request-spec';

/** Relinking a desktop that kept its history (docs/DEVICE-LIFECYCLE.md, "Relink that catches up"). */
export const relinkRequests = {
  /**
   * On the pairing screen after an expiry: "sign out" instead of linking again — the history this desktop
   * kept (store, search index, attachments cache) is erased, and the screen becomes a first link.
   */
  eraseKeptHistory: request(Empty, Ok),
};
