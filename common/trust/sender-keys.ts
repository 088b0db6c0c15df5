import { type ApiClient, ApiError } from '../contract';
import { decodeSigningPublicKey } from '../crypto';

/**
 * Where a client gets the name and signing key of the sender the server names on a message. Both desktop
 * and phone cores take one. `ServerSenderKeyDirectory` below asks the server and believes its first answer
 * for the life of the process (trust on first use, in memory); a pinned directory that remembers keys
 * across restarts and devices and warns when one changes plugs in through the same interface.
 *
 * `keysFor` resolves null when the account does not exist (the server named a sender it can't show), and
 * rejects when it could not ask (offline): callers show such a message as not checked yet.
 */
export interface SenderKeyDirectory {
  keysFor(userId: string): Promise<{ username: string; signingPublicKey: Uint8Array | null } | null>;
}

export type SenderKeys = NonNullable<Awaited<ReturnType<SenderKeyDirectory['keysFor']>>>;

/** `GET /users/id/:userId` through any client that speaks the contract (phone client, desktop session). */
export class ServerSenderKeyDirectory implements SenderKeyDirectory {
  private readonly known = new Map<string, Promise<SenderKeys | null>>();

  constructor(private readonly client: Pick<ApiClient, 'call'>) {}

  keysFor(userId: string): Promise<SenderKeys | null> {
    let entry = this.known.get(userId);
    if (!entry) {
      entry = this.fetch(userId);
      this.known.set(userId, entry);
      // A failed lookup (offline) is not remembered: the next view asks again.
      entry.catch(() => this.known.delete(userId));
    }
    return entry;
  }

  private async fetch(userId: string): Promise<SenderKeys | null> {
    try {
      const user = await this.client.call('lookupUserById', { params: { userId } });
      // The server answered for another account than the one asked for: not this sender's keys.
      if (user.userId !== userId) return null;
      return {
        username: user.username,
        signingPublicKey: user.signingPublicKey ? decodeSigningPublicKey(user.signingPublicKey) : null,
      };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_found') return null;
      throw error;
    }
  }
}

/** Knows no one: for work that displays no authors (the start-up warm-up) and for tests about text only. */
export const EMPTY_DIRECTORY: SenderKeyDirectory = { keysFor: async () => null };

/**
 * The account's own messages are checked against its own signing key, held by this device — never a
 * directory answer (a contact book pins other people; the server's answer about me proves nothing).
 * Everyone else goes to `others`.
 */
export function withOwnKeys(
  others: SenderKeyDirectory,
  me: { readonly userId: string; readonly username: string; signingPublicKey(): Promise<Uint8Array | null> },
): SenderKeyDirectory {
  return {
    keysFor: async (userId) =>
      userId === me.userId
        ? { username: me.username, signingPublicKey: await me.signingPublicKey() }
        : others.keysFor(userId),
  };
}
