/** How much of the account a desktop keeps: at most this many chats and this many bytes of ciphertext. */
export interface StorageBudget {
  readonly maxChats: number;
  readonly maxBytes: number;
}
export const DEFAULT_BUDGET: StorageBudget = { maxChats: 100, maxBytes: 50 * 1024 * 1024 };

export interface StorageStats {
  readonly chats: number;
  readonly messages: number;
  readonly bytes: number;
  readonly budget: StorageBudget;
}
