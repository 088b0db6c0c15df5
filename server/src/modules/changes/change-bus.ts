import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { Logger } from '../../observability/logger';
import type { CommittedChange } from './change-log';
import { type Fanout, localOnly } from './fanout';

const RemoteChanges = z.array(
  z.object({
    userId: z.string(),
    seq: z.int().min(1),
    kind: z.enum([
      'chat:new',
      'chat:update',
      'message:new',
      'message:status',
      'draft:update',
      'settings:update',
      'contacts:update',
      'device:linked',
      'device:revoked',
    ]),
    chatId: z.string().optional(),
    entityId: z.string().optional(),
  }),
);

/**
 * Fan-out of committed changes (the SSE streams subscribe to it). Publish only after the transaction
 * commits, so a listener never sees a change that was rolled back. Local listeners hear a change at
 * once; with several instances it also travels over the fan-out, and may then arrive after a later one
 * (two instances, two publishers) — the live stream fills such gaps from the change log, which is the
 * truth; the bus only says "there is something new".
 *
 * Streams listen per user (`subscribeUser`): a message to a group of 1,000 is 1,000 changes, and handing
 * each of them to every one of 1,000 open streams to filter would be a million calls per message.
 * The `change` event still carries every change, for listeners that want them all.
 */
export class ChangeBus extends EventEmitter<{ change: [CommittedChange] }> {
  private readonly byUser = new Map<string, Set<(change: CommittedChange) => void>>();

  constructor(
    private readonly fanout: Fanout = localOnly,
    logger?: Logger,
  ) {
    super();
    // One listener per open stream.
    this.setMaxListeners(0);
    fanout.subscribe('changes', (message) => {
      let parsed: ReturnType<typeof RemoteChanges.safeParse>;
      try {
        parsed = RemoteChanges.safeParse(JSON.parse(message));
      } catch {
        parsed = { success: false } as typeof parsed;
      }
      if (!parsed.success) {
        logger?.warn('ignored a malformed change notification from another instance');
        return;
      }
      for (const change of parsed.data) this.deliver(change as CommittedChange);
    });
  }

  /** Calls `listener` with every change of `userId`, local or from another instance; returns the unsubscribe. */
  subscribeUser(userId: string, listener: (change: CommittedChange) => void): () => void {
    let listeners = this.byUser.get(userId);
    if (!listeners) this.byUser.set(userId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.byUser.get(userId) === listeners) this.byUser.delete(userId);
    };
  }

  publish(changes: readonly CommittedChange[]): void {
    if (changes.length === 0) return;
    for (const change of changes) this.deliver(change);
    // One instance: nobody to tell, and nothing to serialize (a group message is 1,000 changes).
    if (this.fanout !== localOnly) this.fanout.publish('changes', JSON.stringify(changes));
  }

  private deliver(change: CommittedChange): void {
    const listeners = this.byUser.get(change.userId);
    if (listeners) for (const listener of [...listeners]) listener(change);
    this.emit('change', change);
  }
}
