import { z } from 'zod';
import {
  type ChatKey,
  fromBase64Url,
  keyedHash,
  type SigningKeyPair,
  signDetached,
  toBase64Url,
  utf8,
  verifyDetached,
} from '../crypto';

/**
 * A chat's membership, version by version (docs/GROUPS.md). Every membership change starts a new chat key
 * version n+1, described by a statement the acting member signs with their Ed25519 signing key:
 * who is in, why it changed, a commitment to the new key, and the hash of statement n. The server stores
 * and relays the statements; it can't write one (it has no member's signing key), so a member it would add
 * on its own is refused by every client, and a chat key it would substitute does not match the commitment.
 */
export const EPOCH_ACTIONS = ['create', 'add', 'remove', 'rotate'] as const;
export type EpochAction = (typeof EPOCH_ACTIONS)[number];

const UserId = z.uuid();

export const EpochStatement = z.strictObject({
  v: z.literal(1),
  chatId: z.uuid(),
  keyVersion: z.int().min(1).max(2_000_000_000),
  /** create: the founding members; add: who joins; remove: who is removed; rotate: who left since. */
  action: z.enum(EPOCH_ACTIONS),
  subjects: z.array(UserId).max(256),
  /** Everyone in the chat from this version on, sorted. */
  members: z.array(UserId).min(1).max(256),
  actorUserId: UserId,
  /** keyedHash of the new chat key (keyCommitment below): opening a key that doesn't match is refused. */
  keyCommitment: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** statementHash of version keyVersion-1; null for the first signed version. */
  previous: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/)
    .nullable(),
});
export type EpochStatement = z.infer<typeof EpochStatement>;

/** A statement as stored and sent: the exact signed text and its detached signature (base64url). */
export interface SignedEpoch {
  readonly keyVersion: number;
  readonly statement: string;
  readonly signature: string;
}

const SIGNATURE_DOMAIN = 'symc/v1/chat-epoch\n';
const COMMITMENT_DOMAIN = 'symc/v1/chat-key-commitment';
const HASH_DOMAIN = 'symc/v1/chat-epoch-hash';

/** Canonical text: fixed field order, members and subjects sorted — one statement, one text. */
export function encodeStatement(statement: EpochStatement): string {
  const s = EpochStatement.parse(statement);
  return JSON.stringify({
    v: s.v,
    chatId: s.chatId,
    keyVersion: s.keyVersion,
    action: s.action,
    subjects: [...s.subjects].sort(),
    members: [...s.members].sort(),
    actorUserId: s.actorUserId,
    keyCommitment: s.keyCommitment,
    previous: s.previous,
  });
}

/** Parses a stored statement text; null when it is not a canonical statement (never trusted half-read). */
export function decodeStatement(text: string): EpochStatement | null {
  try {
    const parsed = EpochStatement.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    return encodeStatement(parsed.data) === text ? parsed.data : null;
  } catch {
    return null;
  }
}

export function keyCommitment(chatKey: ChatKey, chatId: string, keyVersion: number): string {
  return toBase64Url(keyedHash(utf8.encode(`${COMMITMENT_DOMAIN}/${chatId}/${keyVersion}`), chatKey, 32));
}

export function statementHash(text: string): string {
  return toBase64Url(keyedHash(utf8.encode(text), utf8.encode(HASH_DOMAIN), 32));
}

export function signEpoch(signing: SigningKeyPair, statement: EpochStatement): SignedEpoch {
  const text = encodeStatement(statement);
  const signature = signDetached(utf8.encode(SIGNATURE_DOMAIN + text), signing.secretKey);
  return { keyVersion: statement.keyVersion, statement: text, signature: toBase64Url(signature) };
}

export function epochSignatureValid(
  epoch: Pick<SignedEpoch, 'statement' | 'signature'>,
  signingPublicKey: Uint8Array,
): boolean {
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(epoch.signature, 'epoch signature');
  } catch {
    return false;
  }
  return verifyDetached(signature, utf8.encode(SIGNATURE_DOMAIN + epoch.statement), signingPublicKey);
}

export class EpochChainError extends Error {
  readonly code = 'epoch_chain_invalid';
  constructor(
    readonly keyVersion: number,
    reason: string,
  ) {
    super(`membership change ${keyVersion} refused: ${reason}`);
    this.name = 'EpochChainError';
  }
}

/** The members the statement after `previous` may name, given its action and subjects. */
export function expectedMembers(
  previous: readonly string[],
  action: EpochAction,
  subjects: readonly string[],
): string[] | null {
  const before = new Set(previous);
  if (action === 'add') {
    if (subjects.length === 0 || subjects.some((s) => before.has(s))) return null;
    return [...previous, ...subjects].sort();
  }
  if (action === 'remove' || action === 'rotate') {
    if (subjects.some((s) => !before.has(s))) return null;
    if (action === 'remove' && subjects.length === 0) return null;
    return previous.filter((m) => !subjects.includes(m)).sort();
  }
  return null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
}

export interface VerifiedMembership {
  /** The latest verified version and its members: the only users a client seals the next key to. */
  readonly keyVersion: number;
  readonly members: readonly string[];
  /** The key commitment of each verified version (a key opened for it must match). */
  readonly commitments: ReadonlyMap<number, string>;
  readonly statements: readonly EpochStatement[];
}

/**
 * Checks a chat's statements in order. `signingKeyOf` answers from the verifier's pins (and its own key for
 * itself), never from a server answer it hasn't pinned.
 *
 * A chat made before signed statements (`legacy`) has none for version 1: its membership then is the
 * server's member list (`legacy.members`, trusted on first use, as it always was), and its first statement
 * (version 2) is accepted when its author signed it and is in it. From there on the chain is checked like
 * any other. For every other chat a chain that doesn't start with a founding statement is refused.
 */
export function verifyEpochChain(
  chatId: string,
  epochs: readonly SignedEpoch[],
  signingKeyOf: (userId: string) => Uint8Array | null,
  legacy: { readonly members: readonly string[] } | null = null,
): VerifiedMembership {
  const legacyFrom = legacy ? 1 : null;
  const sorted = [...epochs].sort((a, b) => a.keyVersion - b.keyVersion);
  let members: string[] | null = null;
  let previousText: string | null = null;
  const commitments = new Map<number, string>();
  const statements: EpochStatement[] = [];
  for (const epoch of sorted) {
    const s = decodeStatement(epoch.statement);
    if (!s) throw new EpochChainError(epoch.keyVersion, 'not a well-formed statement');
    if (s.chatId !== chatId || s.keyVersion !== epoch.keyVersion)
      throw new EpochChainError(epoch.keyVersion, 'made for another chat or version');
    const key = signingKeyOf(s.actorUserId);
    if (!key) throw new EpochChainError(s.keyVersion, 'its author has no pinned signing key');
    if (!epochSignatureValid(epoch, key)) throw new EpochChainError(s.keyVersion, 'the signature does not check');
    if (!s.members.includes(s.actorUserId)) throw new EpochChainError(s.keyVersion, 'its author is not in it');
    if (members === null) {
      if (s.keyVersion === 1) {
        if (s.action !== 'create' || s.previous !== null) throw new EpochChainError(1, 'version 1 must found the chat');
      } else if (legacyFrom === null || s.keyVersion !== legacyFrom + 1) {
        // Only a chat from before signed statements may start its chain after version 1, and only right
        // after the versions it had then: a server can't drop the founding statement of a newer chat.
        throw new EpochChainError(s.keyVersion, 'the versions before it are missing');
      }
    } else {
      const last = statements[statements.length - 1]!;
      if (s.keyVersion !== last.keyVersion + 1) throw new EpochChainError(s.keyVersion, 'a version is missing');
      if (s.previous !== statementHash(previousText!))
        throw new EpochChainError(s.keyVersion, 'it does not follow the previous version');
      if (!members.includes(s.actorUserId)) throw new EpochChainError(s.keyVersion, 'its author was not a member');
      const expected = expectedMembers(members, s.action, s.subjects);
      if (s.action === 'create' || !expected || !sameSet(expected, s.members))
        throw new EpochChainError(s.keyVersion, 'the members do not follow from the change');
    }
    members = [...s.members].sort();
    previousText = epoch.statement;
    commitments.set(s.keyVersion, s.keyCommitment);
    statements.push(s);
  }
  if (members === null) {
    if (!legacy) throw new EpochChainError(1, 'the chat has no founding statement');
    return { keyVersion: 1, members: [...legacy.members].sort(), commitments, statements };
  }
  return { keyVersion: statements[statements.length - 1]!.keyVersion, members, commitments, statements };
}
