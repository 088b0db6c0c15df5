import {
  type MessageRecord,
  parseEventId,
  type SyncEventName,
  type SyncEventPayload,
  SyncEvents,
} from '../../../common/contract';
import type { SseEvent, SseStream } from './sse-client';

/** Readers of the sync stream for tests that assert on the wire (event names, ids, payloads). */

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/**
 * The event's payload, parsed by the shared contract (common/contract/sse.ts) as the desktop parses it:
 * an unknown event name or a payload off the contract fails the test.
 */
export function payloadOf<N extends SyncEventName>(event: SseEvent, name: N): SyncEventPayload<N> {
  if (event.event !== name) throw new Error(`expected ${name}, got ${event.event}`);
  return SyncEvents[name].parse(event.data) as SyncEventPayload<N>;
}

/** Checks every event against the contract, whatever its name. */
export function expectOnContract(events: readonly SseEvent[]): void {
  for (const event of events) {
    if (!(event.event in SyncEvents)) throw new Error(`event ${event.event} is not in the stream's contract`);
    payloadOf(event, event.event as SyncEventName);
  }
}

/** Reads up to and including the first event named `name`, each checked against the contract. */
export async function readUntil(stream: SseStream, name: SyncEventName, timeoutMs = 10_000): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  for (;;) {
    const event = await stream.next(timeoutMs);
    expectOnContract([event]);
    seen.push(event);
    if (event.event === name) return seen;
  }
}

/** The history messages (`message:sync`) among `events`, in stream order. */
export function syncedMessages(events: readonly SseEvent[]): MessageRecord[] {
  return events.filter((e) => e.event === 'message:sync').flatMap((e) => payloadOf(e, 'message:sync').messages);
}

/** A fresh-sync event id as its parts; fails on any other id. */
export function freshPosition(event: SseEvent): { snapshotSeq: number; chatIndex: number; offset: number } {
  const parsed = parseEventId(event.id);
  if (parsed.kind !== 'fresh') throw new Error(`${event.event} has id ${event.id}, not a fresh-sync position`);
  return { snapshotSeq: parsed.snapshotSeq, chatIndex: parsed.chatIndex, offset: parsed.offset };
}
