import type { MessageRecord, SyncPhase } from '../../../../common/contract';

/**
 * One `message:sync` event being filled, kept as the JSON text of each message rather than as objects:
 * a row read from the database is turned into its few hundred bytes of wire text at once and its objects
 * die young, so a stream holds one batch of text (bounded by SYNC_BATCH_BYTES), never a batch of row
 * objects plus one multi-megabyte string of the whole event plus its byte copy.
 *
 * `dataParts` concatenated is exactly `JSON.stringify({ phase, messages, chatsCompleted })` of the
 * contract's `message:sync` payload (history-batch.test.ts checks it against the schema). JSON text never
 * contains a raw newline, so the parts form one SSE data line.
 */
export class HistoryBatch {
  private parts: string[] = [];
  private completedChats: string[] = [];
  private size = 0;

  /** Messages in the batch. */
  get messages(): number {
    return this.parts.length;
  }

  /** Ciphertext bytes in the batch (the bound SYNC_BATCH_BYTES counts). */
  get bytes(): number {
    return this.size;
  }

  get isEmpty(): boolean {
    return this.parts.length === 0 && this.completedChats.length === 0;
  }

  add(record: MessageRecord, ciphertextBytes: number): void {
    this.addJson(JSON.stringify(record), ciphertextBytes);
  }

  /** A message already in its wire text (`historyRowJson`): one JSON object, no raw newline. */
  addJson(json: string, ciphertextBytes: number): void {
    this.parts.push(json);
    this.size += ciphertextBytes;
  }

  completed(chatId: string): void {
    this.completedChats.push(chatId);
  }

  /** The event's data as pieces (messages joined in groups of about `groupChars`), and empties the batch. */
  take(phase: SyncPhase, groupChars = 64 * 1024): string[] {
    const out: string[] = [`{"phase":${phase},"messages":[`];
    let group: string[] = [];
    let groupLength = 0;
    for (let i = 0; i < this.parts.length; i++) {
      const part = i === 0 ? this.parts[i]! : `,${this.parts[i]!}`;
      group.push(part);
      groupLength += part.length;
      if (groupLength >= groupChars) {
        out.push(group.join(''));
        group = [];
        groupLength = 0;
      }
    }
    if (group.length > 0) out.push(group.join(''));
    out.push(`],"chatsCompleted":${JSON.stringify(this.completedChats)}}`);
    this.parts = [];
    this.completedChats = [];
    this.size = 0;
    return out;
  }
}
