import { z } from 'zod';
import { Id } from '../primitives';

/** What the desktop app shows outside a chat: pairing, sync progress, the account, the session's end. */

export const PairingView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('idle') }),
  z.object({ kind: z.literal('starting') }),
  z.object({
    kind: z.literal('showing'),
    /** The symc://pair link the QR encodes (also offered as text: paste it on a phone without a camera). */
    link: z.string(),
    /** The QR as an image URL (data:image/svg+xml). */
    qrImage: z.string().startsWith('data:image/'),
    /** Typed on a phone without a camera, after the pairing code; secret (never sent to the server). */
    checkCode: z.string(),
    pairingCode: z.string(),
    /** Set when the last phone's code did not match: this QR and its codes are new. */
    notice: z.string().optional(),
    rotatesAt: z.number(),
    rotation: z.int(),
    rotationsLeft: z.int(),
  }),
  z.object({ kind: z.literal('approved') }),
  z.object({ kind: z.literal('paired'), username: z.string() }),
  z.object({ kind: z.literal('timed-out') }),
  z.object({ kind: z.literal('denied') }),
  z.object({ kind: z.literal('failed'), code: z.string(), message: z.string() }),
]);
export type PairingView = z.infer<typeof PairingView>;

export const PhaseView = z.object({
  phase: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  state: z.enum(['pending', 'running', 'done']),
  chats: z.int(),
  expectedChats: z.int(),
  messages: z.int(),
});
export const SyncView = z.object({
  connection: z.enum(['connecting', 'connected', 'offline', 'revoked', 'stopped']),
  /** `polling`: the stream is held back on the way (a buffering proxy); changes come over requests meanwhile. */
  transport: z.enum(['stream', 'polling']),
  mode: z.enum(['fresh', 'resume-fresh', 'live']).nullable(),
  phases: z.array(PhaseView).length(3),
  primed: z.boolean(),
  lastError: z.string().nullable(),
  outboxPending: z.int(),
  /**
   * This desktop's first sync, from the phone's approval (as this desktop heard it): to the last opened
   * chat readable, and to the complete copy. Null: not reached yet, or linked before these were kept;
   * absent from older hosts.
   */
  firstChatReadyMs: z.int().nonnegative().nullable().optional(),
  completeMs: z.int().nonnegative().nullable().optional(),
});
export type SyncView = z.infer<typeof SyncView>;

export const AccountView = z.object({ username: z.string(), deviceId: Id, serverUrl: z.string() });

/**
 * Why this desktop is back on the pairing screen when it didn't choose to be (the last session's end,
 * kept until it is linked again): `revoked` — unlinked from the phone; `expired` — signed out after the
 * refresh TTL (30 days) without use; `ended` — its session was ended server-side (signed out elsewhere,
 * or stopped because its sign-in was used twice). `at`: when this desktop learned it (ms since epoch).
 */
export const SessionEndView = z.object({ reason: z.enum(['revoked', 'expired', 'ended']), at: z.int() });
export type SessionEndView = z.infer<typeof SessionEndView>;

export const AppSnapshot = z.object({
  screen: z.enum(['pairing', 'main']),
  /** On the pairing screen after a session ended by itself (absent: a first link, or the user signed out). */
  sessionEnd: SessionEndView.optional(),
  /**
   * On the pairing screen: this desktop still holds the history of its last account (its session expired),
   * encrypted and unreadable until linked again. The same account's approval keeps it and catches up;
   * another account's erases it first.
   */
  keptHistory: z.boolean().optional(),
  account: AccountView.nullable(),
  pairing: PairingView,
  sync: SyncView.nullable(),
  /** The chat the user had open last (on any device): the app opens it by itself. */
  lastOpenedChatId: Id.nullable(),
});
export type AppSnapshot = z.infer<typeof AppSnapshot>;
