/** The benchmark's account sizes (issue 8): 100 chats, growing histories, ~200 bytes of text a message. */
export interface Workload {
  readonly name: 'S' | 'M' | 'L' | 'T';
  readonly chats: number;
  readonly messagesPerChat: number;
  /** Plaintext characters of a message's text, on average (the envelope adds sender, time, JSON and AEAD). */
  readonly textBytes: number;
}

export const WORKLOADS: Record<'S' | 'M' | 'L', Workload> = {
  S: { name: 'S', chats: 100, messagesPerChat: 100, textBytes: 200 },
  M: { name: 'M', chats: 100, messagesPerChat: 1_000, textBytes: 200 },
  L: { name: 'L', chats: 100, messagesPerChat: 5_000, textBytes: 200 },
};

/** The unmeasured account each run's server serves first (see run.ts: a server already in service). */
export const WARM_UP: Workload = { name: 'T', chats: 12, messagesPerChat: 20, textBytes: 200 };

/** A tiny workload for the bench's own test: the same code paths, in well under a second. */
export const TINY: Workload = { name: 'T', chats: 12, messagesPerChat: 5, textBytes: 200 };

export function totalMessages(w: Workload): number {
  return w.chats * w.messagesPerChat;
}
