import { z } from 'zod';
import { MessageRecord, SyncEvents } from '../../../../common/contract';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { LocalStore } from '../store/local-store';
import { contractProblem, type ParsedEvent, type ParseOutcome, parseJson, validateEvent } from './event-applier';
import { ChatKeys, MessageScreen, type ScreenVerdict } from './message-screen';
import type { RawEvent } from './sse-connection';

/**
 * The engine's work on a history batch (up to 2,000 messages, ~1.5 MB) is cut into slices of this many
 * messages, with a turn of the event loop between them: in Electron the sync runs on the main process, and
 * every slice delays IPC answers and window events by its length (docs/BENCHMARKS.md, "The sync on the main
 * thread"). At ~3 µs a message for validation and ~4 µs for the envelope check, a slice is ~2 ms.
 */
export const SLICE_MESSAGES = 250;

/** Gives the event loop a turn (timers, I/O, IPC) before the next slice of work. */
export type Pause = () => Promise<void>;

/** An event this large (characters of data) is parsed in a turn of its own (`JSON.parse` of 1.5 MB: ~10 ms). */
const LARGE_EVENT = 64 * 1024;

const MessageRecords = z.array(MessageRecord);

/**
 * `parseEvent`, with a history batch's messages validated in slices. The result is the one `parseEvent`
 * gives (the same schema, piece by piece: the batch without its messages, then each slice of them), except
 * that of several contract violations the first one found may be another.
 */
export async function parseEventInSlices(raw: RawEvent, pause: Pause, slice = SLICE_MESSAGES): Promise<ParseOutcome> {
  if (raw.data.length >= LARGE_EVENT) await pause();
  const json = parseJson(raw);
  if (!json.ok) return json;
  const value = json.value as { messages?: unknown } | null;
  if (raw.name !== 'message:sync' || !Array.isArray(value?.messages) || value.messages.length <= slice)
    return validateEvent(raw, json.value);
  const all: unknown[] = value.messages;
  const head = SyncEvents['message:sync'].safeParse({ ...value, messages: [] });
  if (!head.success) return { ok: false, problem: contractProblem(raw.name, head.error.issues[0]) };
  const messages: MessageRecord[] = [];
  for (let from = 0; from < all.length; from += slice) {
    await pause();
    const part = MessageRecords.safeParse(all.slice(from, from + slice));
    if (!part.success) {
      const issue = part.error.issues[0]!;
      const [index, ...rest] = issue.path;
      return {
        ok: false,
        problem: contractProblem(raw.name, {
          path: ['messages', from + Number(index), ...rest],
          message: issue.message,
        }),
      };
    }
    messages.push(...part.data);
  }
  return { ok: true, event: { name: 'message:sync', payload: { ...head.data, messages }, id: raw.id } };
}

/**
 * Opens every envelope of a run of history batches in slices, before the run's transaction: the transaction
 * then holds only the inserts (`applyEvents` with the verdicts). A verdict stays true whatever happens in
 * between — an envelope that opened in its own row is that message's — except that its chat may leave the
 * store meanwhile, which `applyEvents` checks.
 */
export async function screenHistory(
  store: LocalStore,
  keyring: ChatKeyring,
  events: readonly ParsedEvent[],
  pause: Pause,
  slice = SLICE_MESSAGES,
): Promise<Map<ParsedEvent, ScreenVerdict>> {
  const verdicts = new Map<ParsedEvent, ScreenVerdict>();
  const keys = new ChatKeys(store, keyring);
  for (const event of events) {
    if (event.name !== 'message:sync') continue;
    const screen = new MessageScreen(keys, event.name, false);
    const { messages } = event.payload;
    for (let from = 0; from < messages.length; from += slice) {
      await pause();
      screen.add(messages.slice(from, from + slice));
    }
    verdicts.set(event, screen.verdict());
  }
  return verdicts;
}
