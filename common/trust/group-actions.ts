import type { ChatSummary, MessageRecord } from '../contract';
import { type ChatMeta, decryptChatMeta, decryptMessageBody, encryptChatMeta, type MessageBody } from '../content';
import {
  type BoxKeyPair,
  type ChatKey,
  chatKeyFromBytes,
  decodeSigningPublicKey,
  generateChatKey,
  type MasterKey,
  openSealedBytes,
  sealBytes,
  type SigningKeyPair,
  unwrapChatKey,
  wrapChatKey,
} from '../crypto';
import {
  type EpochAction,
  expectedMembers,
  keyCommitment,
  signEpoch,
  statementHash,
  type VerifiedMembership,
  verifyEpochChain,
} from './chat-epoch';
import type { ContactPin } from './contact-book';
import type { ApiCaller } from './contact-book-replica';

/**
 * Group actions as both apps do them (docs/GROUPS.md), over any client that speaks the contract: start a
 * chat, add or remove members, rotate after a leave, rename, and open the keys of every version. The
 * membership a client acts on is always the one it verified from signed statements, never the server's
 * list alone, and keys are sealed only to pinned identity keys.
 */
export interface GroupMember {
  readonly userId: string;
  readonly masterKey: MasterKey;
  readonly identity: BoxKeyPair;
  readonly signing: SigningKeyPair | null;
}

/** What group actions need of the contact book (common/trust/contacts.ts `Contacts` has it). */
export interface GroupContacts {
  meet(userIds: readonly string[]): Promise<void>;
  pin(userId: string): ContactPin | null;
  sealingKeys(userIds: readonly string[]): Promise<Map<string, Uint8Array>>;
}

export class MembershipRefusedError extends Error {
  readonly code = 'membership_refused';
  constructor(message: string) {
    super(message);
    this.name = 'MembershipRefusedError';
  }
}

/** The keys of one chat that this member holds, by version. */
export interface ChatKeys {
  readonly chatId: string;
  /** The version new messages and the metadata are written under. */
  readonly current: number;
  readonly byVersion: ReadonlyMap<number, ChatKey>;
}

export function currentKey(keys: ChatKeys): ChatKey {
  const key = keys.byVersion.get(keys.current);
  if (!key) throw new MembershipRefusedError(`no key of version ${keys.current} for this chat`);
  return key;
}

export interface Membership extends VerifiedMembership {
  /** Members the server lists that no signed statement put in: never sealed to, shown as a warning. */
  readonly unverified: readonly string[];
  /** The verified statement texts, for the next change's `previous`. */
  readonly lastStatement: string | null;
}

function signingKeyOf(me: GroupMember, contacts: GroupContacts) {
  return (userId: string): Uint8Array | null => {
    if (userId === me.userId) return me.signing?.publicKey ?? null;
    const key = contacts.pin(userId)?.signingPublicKey;
    return key ? decodeSigningPublicKey(key) : null;
  };
}

/** A chat made before signed membership (docs/GROUPS.md "Chats from before"): said by its own metadata. */
function isLegacy(chat: ChatSummary, keys: ChatKeys | null): boolean {
  if (!keys) return false;
  try {
    return decryptChatMeta(currentKey(keys), chat.chatId, chat.encryptedMeta, keys.current).signedMembership !== true;
  } catch {
    return false;
  }
}

/**
 * The chat's membership as the signed statements prove it. Every author and member is met first (pinned
 * on first sight, compared after), so a statement is checked against the pinned signing key.
 */
export async function verifyMembership(
  call: ApiCaller,
  me: GroupMember,
  contacts: GroupContacts,
  chat: ChatSummary,
  legacyKeys: ChatKeys | null = null,
): Promise<Membership> {
  const { epochs } = await call('listEpochs', { params: { chatId: chat.chatId } });
  const listed = chat.members.map((m) => m.userId);
  await contacts.meet([...new Set([...listed, ...epochs.map((e) => e.actorUserId)])]);
  const legacy = epochs.some((e) => e.keyVersion === 1) || !isLegacy(chat, legacyKeys) ? null : { members: listed };
  const verified = verifyEpochChain(chat.chatId, epochs, signingKeyOf(me, contacts), legacy);
  const serverVersion = chat.keyVersion ?? 1;
  if (serverVersion !== verified.keyVersion)
    throw new MembershipRefusedError(
      `the server says key version ${serverVersion}, the signed statements end at ${verified.keyVersion}`,
    );
  const last = epochs.find((e) => e.keyVersion === verified.keyVersion);
  return {
    ...verified,
    unverified: listed.filter((id) => !verified.members.includes(id)),
    lastStatement: last?.statement ?? null,
  };
}

/**
 * Opens every key copy this member holds. A copy of a version with a signed statement must match its
 * key commitment (a key the server made up is refused); sealed copies are re-wrapped under the master key
 * and stored (`storeMyChatKey`), as the first open of a chat always did.
 */
export async function openChatKeys(
  call: ApiCaller,
  me: GroupMember,
  chat: ChatSummary,
  commitments: ReadonlyMap<number, string> | null = null,
): Promise<ChatKeys> {
  const copies = chat.myKeys ?? [
    { keyVersion: 1, wrappedChatKey: chat.wrappedChatKey, sealedChatKey: chat.sealedChatKey },
  ];
  const byVersion = new Map<number, ChatKey>();
  for (const copy of copies) {
    let key: ChatKey;
    try {
      if (copy.wrappedChatKey)
        key = unwrapChatKey(copy.wrappedChatKey, me.masterKey, chat.chatId, me.userId, copy.keyVersion);
      else if (copy.sealedChatKey) key = chatKeyFromBytes(openSealedBytes(copy.sealedChatKey, me.identity));
      else continue;
    } catch {
      continue; // a copy that doesn't open is not a key: the messages under it stay unreadable
    }
    const commitment = commitments?.get(copy.keyVersion);
    if (commitments && copy.keyVersion > 1 && commitment !== keyCommitment(key, chat.chatId, copy.keyVersion)) continue;
    // Stored only once checked against the statements: a key the server made up is never kept.
    if (!copy.wrappedChatKey && commitments) {
      await call('storeMyChatKey', {
        params: { chatId: chat.chatId },
        body: {
          wrappedChatKey: wrapChatKey(key, me.masterKey, chat.chatId, me.userId, copy.keyVersion),
          keyVersion: copy.keyVersion,
        },
      });
    }
    byVersion.set(copy.keyVersion, key);
  }
  return { chatId: chat.chatId, current: chat.keyVersion ?? 1, byVersion };
}

/** Keys and membership together: what opening a chat takes. */
export async function openChat(
  call: ApiCaller,
  me: GroupMember,
  contacts: GroupContacts,
  chat: ChatSummary,
): Promise<{ keys: ChatKeys; membership: Membership }> {
  // Keys first without commitments only to read the metadata's "signed membership" mark; then verified.
  const unchecked = await openChatKeys(call, me, chat);
  const membership = await verifyMembership(call, me, contacts, chat, unchecked);
  const keys = await openChatKeys(call, me, chat, membership.commitments);
  return { keys, membership };
}

export function readMeta(chat: ChatSummary, keys: ChatKeys): ChatMeta {
  return decryptChatMeta(currentKey(keys), chat.chatId, chat.encryptedMeta, keys.current);
}

export function readMessageWith(keys: ChatKeys, message: MessageRecord): MessageBody {
  const version = message.keyVersion ?? 1;
  const key = keys.byVersion.get(version);
  if (!key) throw new MembershipRefusedError(`no key of version ${version}: written before you were in the chat`);
  return decryptMessageBody(key, message.chatId, message.messageId, message.ciphertext, version);
}

function requireSigning(me: GroupMember): SigningKeyPair {
  if (!me.signing)
    throw new MembershipRefusedError('this device has no signing key yet: membership changes are signed');
  return me.signing;
}

/** The body of `createChat` for a chat or group: version 1, founded by a signed statement. */
export async function newChatRequest(
  me: GroupMember,
  contacts: GroupContacts,
  input: { chatId: string; title: string; memberIds: readonly string[] },
) {
  const chatKey = generateChatKey();
  const others = [...new Set(input.memberIds)].filter((id) => id !== me.userId);
  const keys = await contacts.sealingKeys(others);
  const epoch = signEpoch(requireSigning(me), {
    v: 1,
    chatId: input.chatId,
    keyVersion: 1,
    action: 'create',
    subjects: others,
    members: [me.userId, ...others].sort(),
    actorUserId: me.userId,
    keyCommitment: keyCommitment(chatKey, input.chatId, 1),
    previous: null,
  });
  return {
    chatKey,
    body: {
      chatId: input.chatId,
      encryptedMeta: encryptChatMeta(chatKey, input.chatId, { title: input.title, signedMembership: true }),
      members: others.map((userId) => ({ userId, sealedChatKey: sealBytes(chatKey, keys.get(userId)!) })),
      myWrappedChatKey: wrapChatKey(chatKey, me.masterKey, input.chatId, me.userId),
      epoch: { statement: epoch.statement, signature: epoch.signature },
    },
  };
}

/**
 * Makes key version n+1 and sends it (`changeMembers`): `add` and `remove` name their subjects; `rotate`
 * (after someone left) names whoever the verified membership has and the server no longer lists. The new
 * key is sealed to the remaining members' pinned identity keys only; a removed member never gets it.
 */
export async function changeMembership(
  call: ApiCaller,
  me: GroupMember,
  contacts: GroupContacts,
  chat: ChatSummary,
  change: { action: Exclude<EpochAction, 'create'>; subjects?: readonly string[] },
): Promise<{ chat: ChatSummary; keys: ChatKeys }> {
  const { keys, membership } = await openChat(call, me, contacts, chat);
  if (membership.unverified.length > 0)
    throw new MembershipRefusedError(
      'the server lists members no signed change added: refusing to change this chat until that is resolved',
    );
  const listed = chat.members.map((m) => m.userId);
  const subjects =
    change.action === 'rotate'
      ? membership.members.filter((id) => !listed.includes(id))
      : [...new Set(change.subjects ?? [])];
  const members = expectedMembers(membership.members, change.action, subjects);
  if (!members) throw new MembershipRefusedError(`cannot ${change.action} those users in this chat`);
  if (!members.includes(me.userId)) throw new MembershipRefusedError('to remove yourself, leave the chat');
  const keyVersion = membership.keyVersion + 1;
  const chatKey = generateChatKey();
  const others = members.filter((id) => id !== me.userId);
  if (change.action === 'add') await contacts.meet(subjects);
  const sealing = await contacts.sealingKeys(others);
  const epoch = signEpoch(requireSigning(me), {
    v: 1,
    chatId: chat.chatId,
    keyVersion,
    action: change.action,
    subjects,
    members,
    actorUserId: me.userId,
    keyCommitment: keyCommitment(chatKey, chat.chatId, keyVersion),
    previous: membership.lastStatement ? statementHash(membership.lastStatement) : null,
  });
  const meta = readMeta(chat, keys);
  const updated = await call('changeMembers', {
    params: { chatId: chat.chatId },
    body: {
      epoch: { statement: epoch.statement, signature: epoch.signature },
      myWrappedChatKey: wrapChatKey(chatKey, me.masterKey, chat.chatId, me.userId, keyVersion),
      members: others.map((userId) => ({ userId, sealedChatKey: sealBytes(chatKey, sealing.get(userId)!) })),
      encryptedMeta: encryptChatMeta(chatKey, chat.chatId, { ...meta, signedMembership: true }, keyVersion),
      metaVersion: chat.metaVersion + 1,
    },
  });
  const byVersion = new Map(keys.byVersion);
  byVersion.set(keyVersion, chatKey);
  return { chat: updated, keys: { chatId: chat.chatId, current: keyVersion, byVersion } };
}

/** Renames under the current key (a title the server can neither read nor forge). */
export async function renameChat(call: ApiCaller, chat: ChatSummary, keys: ChatKeys, title: string) {
  const meta = readMeta(chat, keys);
  return call('updateChatMeta', {
    params: { chatId: chat.chatId },
    body: {
      encryptedMeta: encryptChatMeta(
        currentKey(keys),
        chat.chatId,
        { ...meta, title, ...(meta.signedMembership ? { signedMembership: true } : {}) },
        keys.current,
      ),
      metaVersion: chat.metaVersion + 1,
      keyVersion: keys.current,
    },
  });
}
