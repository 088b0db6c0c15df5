import { checkMessageSignature, type MessageBody, type SenderVerification } from '../content';
import type { SenderKeyDirectory, SenderKeys } from './sender-keys';

/**
 * What a client shows as a message's author. The name comes from the directory (the sender the server
 * names, looked up by id) — never from the body, whose `senderName` anyone holding the chat key can set.
 * - `verified`: the name, normally;
 * - `legacy`: the name, with a mark that nothing proves it (written before signing);
 * - `unverified`: no name — "Unverified sender" — so it can never pass for someone else;
 * - `pending`: the sender's keys could not be fetched yet (offline): no name either, checked again later.
 */
export type AuthorState = SenderVerification | 'pending';

export interface MessageAuthor {
  readonly verification: AuthorState;
  /** The name to show; for unverified and pending messages a description, not a person. */
  readonly displayName: string;
}

export const UNVERIFIED_SENDER = 'Unverified sender';
export const UNCHECKED_SENDER = 'Checking sender…';

/** How long a view waits for the sender directory before it shows the senders it lacks as pending. */
export const SENDER_WAIT_MS = 3000;

/**
 * The directory's answers, readable synchronously by code that renders (the desktop's chat reader, the
 * phone's message list): `load` the senders of a page first, then `author` each message.
 */
export class SenderBook {
  private readonly entries = new Map<string, SenderKeys | null>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(private readonly directory: SenderKeyDirectory) {}

  /**
   * Fetches the keys of these senders (those not known yet); never rejects — unreachable ones stay pending.
   * Waits at most `waitMs`: a slow directory must not hold a chat closed; the senders it hasn't answered
   * for show as pending, and the next view checks them again.
   */
  async load(userIds: Iterable<string>, waitMs = SENDER_WAIT_MS): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const userId of new Set(userIds)) {
      if (this.entries.has(userId)) continue;
      let wait = this.loading.get(userId);
      if (!wait) {
        wait = this.directory.keysFor(userId).then(
          (keys) => void this.entries.set(userId, keys),
          () => undefined,
        );
        wait.finally(() => this.loading.delete(userId)).catch(() => undefined);
        this.loading.set(userId, wait);
      }
      waits.push(wait);
    }
    if (waits.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(waits), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** undefined: not fetched (yet); null: the directory has no such account. */
  known(userId: string): SenderKeys | null | undefined {
    return this.entries.get(userId);
  }

  author(origin: { chatId: string; messageId: string; senderUserId: string }, body: MessageBody): MessageAuthor {
    const keys = this.entries.get(origin.senderUserId);
    if (keys === undefined) return { verification: 'pending', displayName: UNCHECKED_SENDER };
    if (keys === null) return { verification: 'unverified', displayName: UNVERIFIED_SENDER };
    const verification = checkMessageSignature(body, origin, keys.signingPublicKey);
    return { verification, displayName: verification === 'unverified' ? UNVERIFIED_SENDER : keys.username };
  }

  clear(): void {
    this.entries.clear();
  }
}
