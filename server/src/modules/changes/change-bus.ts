import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { Logger } from '../../observability/logger';
import type { CommittedChange } from './change-log';
import { type Fanout, localOnly } from './fanout';

const RemoteChanges = z.array(
  z.object({
    userId: z.string(),
    seq: z.int().min(1),
    kind: z.enum(['chat:new', 'chat:update', 'message:new', 'message:status', 'draft:update', 'settings:update', 'device:revoked']),
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
 */
export class ChangeBus extends EventEmitter<{ change: [CommittedChange] }> {
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
      for (const change of parsed.data) this.emit('change', change as CommittedChange);
    });
  }

  publish(changes: readonly CommittedChange[]): void {
    if (changes.length === 0) return;
    for (const change of changes) this.emit('change', change);
    this.fanout.publish('changes', JSON.stringify(changes));
  }
}
