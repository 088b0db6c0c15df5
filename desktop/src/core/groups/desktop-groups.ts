import { ApiError, type ChatSummary } from '../../../../common/contract';
import { type BoxKeyPair, randomId, type SigningKeyPair, wrapChatKey } from '../../../../common/crypto';
import { KeyChangeUnacknowledgedError } from '../../../../common/trust/contact-book';
import type { ApiCaller } from '../../../../common/trust/contact-book-replica';
import { EpochChainError } from '../../../../common/trust/chat-epoch';
import { ContactMismatchError } from '../../../../common/trust/contacts';
import {
  changeMembership,
  type ChatKeys,
  type GroupMember,
  MembershipRefusedError,
  newChatRequest,
  openChat,
  readMeta,
  renameChat,
} from '../../../../common/trust/group-actions';
import { checkNewChat, checkTitle, checkUsernames, GroupInputError } from '../../../../common/trust/group-input';
import type { DesktopContacts } from '../contacts/desktop-contacts';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import { ChatKeyVerifier } from './key-verification';
import { KeyMoveDeferred, type VerifiedCurrentKey } from './stale-key-resend';

export type GroupErrorCode = 'invalid' | 'not_found' | 'refused' | 'conflict' | 'unavailable';

/** A group action that did not happen, with a sentence for the person who asked (nothing changed). */
export class GroupActionError extends Error {
  constructor(
    readonly code: GroupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GroupActionError';
  }
}

/** "the server says …" → "The server says ….": a message from below, as a sentence. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Any failure of a group action as a GroupActionError the UI can show as it is. */
export function explainGroupError(error: unknown): GroupActionError {
  if (error instanceof GroupActionError) return error;
  if (error instanceof GroupInputError) return new GroupActionError('invalid', error.message);
  if (error instanceof MembershipRefusedError || error instanceof EpochChainError)
    return new GroupActionError('refused', sentence(error.message));
  if (error instanceof KeyChangeUnacknowledgedError || error instanceof ContactMismatchError)
    return new GroupActionError('refused', error.message);
  if (error instanceof ApiError) {
    if (error.status === 0)
      return new GroupActionError('unavailable', 'Symc cannot reach the server: try again when online.');
    if (error.code === 'stale_version')
      return new GroupActionError(
        'conflict',
        `Someone changed this chat at the same moment (${error.message}): try again.`,
      );
    if (error.status === 404) return new GroupActionError('not_found', sentence(error.message));
    if (error.status >= 400 && error.status < 500) return new GroupActionError('refused', sentence(error.message));
    return new GroupActionError('unavailable', `The server failed (${error.message}): try again in a moment.`);
  }
  return new GroupActionError('refused', sentence((error as Error).message));
}

export interface GroupMemberView {
  readonly userId: string;
  readonly username: string | null;
  readonly you: boolean;
  /** Named by the server but put in by no signed membership change (docs/GROUPS.md): never sealed to. */
  readonly unverified: boolean;
}

/**
 * Starting chats and groups, renaming, adding and removing members, leaving — on the desktop, exactly as
 * the phone does them (common/trust/group-actions.ts: signed statements, a new key version sealed only to
 * pinned keys). Each action works on the server's current summary of the chat, and on success stores the
 * chat and the key version this desktop made itself; the `chat:update` that follows changes nothing more.
 */
export class DesktopGroups {
  readonly verifier: ChatKeyVerifier;
  private readonly call: ApiCaller;

  constructor(
    private readonly session: DeviceSession,
    private readonly store: LocalStore,
    private readonly keyring: ChatKeyring,
    private readonly contacts: DesktopContacts,
    private readonly identity: () => BoxKeyPair | null,
    private readonly signing: () => Promise<SigningKeyPair | null>,
  ) {
    this.call = session.call.bind(session) as ApiCaller;
    this.verifier = new ChatKeyVerifier(
      this.call,
      store,
      () => this.member(),
      () => contacts.contacts,
    );
  }

  /** This account as a group member; null while the identity key is not on this desktop. */
  async member(): Promise<GroupMember | null> {
    const identity = this.identity();
    if (!identity) return null;
    return {
      userId: this.session.userId,
      masterKey: this.session.masterKey,
      identity,
      signing: await this.signing(),
    };
  }

  private async requireMember(): Promise<GroupMember> {
    const me = await this.member();
    if (!me)
      throw new GroupActionError(
        'unavailable',
        'This desktop has not loaded its identity key yet: try again when online.',
      );
    if (!me.signing)
      throw new GroupActionError(
        'unavailable',
        'This desktop has no signing key yet: membership changes are signed. Try again when online.',
      );
    return me;
  }

  /** A chat with one person or a group with several (exact usernames); returns its id. */
  async startChat(input: { usernames: readonly string[]; title?: string }): Promise<string> {
    return this.run(async () => {
      const { usernames, title } = checkNewChat(input, this.session.username);
      const me = await this.requireMember();
      const memberIds = await this.lookup(usernames);
      const chatId = randomId();
      const { body } = await newChatRequest(me, this.contacts.contacts, { chatId, title, memberIds });
      const chat = await this.call('createChat', { body });
      this.store.transaction(() => this.store.upsertChats([chat]));
      return chatId;
    });
  }

  async rename(chatId: string, title: string): Promise<void> {
    await this.run(async () => {
      const checked = checkTitle(title);
      const me = await this.requireMember();
      const { chat, keys } = await this.writable(me, chatId);
      const updated = await renameChat(this.call, chat, keys, checked);
      this.stored(updated, null);
    });
  }

  async addMembers(chatId: string, usernames: readonly string[]): Promise<void> {
    await this.run(async () => {
      const names = checkUsernames(usernames, this.session.username);
      const me = await this.requireMember();
      const subjects = await this.lookup(names);
      const { chat } = await this.writable(me, chatId);
      const already = subjects.filter((id) => chat.members.some((m) => m.userId === id));
      if (already.length > 0)
        throw new GroupActionError(
          'invalid',
          `${names.filter((_, i) => already.includes(subjects[i]!)).join(', ')} ${already.length === 1 ? 'is' : 'are'} in this chat already.`,
        );
      const result = await changeMembership(this.call, me, this.contacts.contacts, chat, { action: 'add', subjects });
      this.stored(result.chat, result.keys);
    });
  }

  async removeMembers(chatId: string, userIds: readonly string[]): Promise<void> {
    await this.run(async () => {
      if (userIds.length === 0) throw new GroupActionError('invalid', 'Pick at least one member to remove.');
      if (userIds.includes(this.session.userId))
        throw new GroupActionError('invalid', 'To take yourself out of a chat, leave it.');
      const me = await this.requireMember();
      const { chat } = await this.writable(me, chatId);
      const strangers = userIds.filter((id) => !chat.members.some((m) => m.userId === id));
      if (strangers.length > 0)
        throw new GroupActionError(
          'invalid',
          `${strangers.map((id) => this.contacts.pin(id)?.username ?? id).join(', ')} ${strangers.length === 1 ? 'is' : 'are'} not a member of this chat.`,
        );
      const result = await changeMembership(this.call, me, this.contacts.contacts, chat, {
        action: 'remove',
        subjects: userIds,
      });
      this.stored(result.chat, result.keys);
    });
  }

  /** Leaves: the chat, its messages and keys leave this desktop (and, by `chat:removed`, the others). */
  async leave(chatId: string): Promise<void> {
    await this.run(async () => {
      await this.call('leaveChat', { params: { chatId } });
      this.keyring.forget(chatId);
      this.store.removeChat(chatId);
    });
  }

  /**
   * Before writing to a chat a member left: makes the next key version, sealed to the members that remain
   * (docs/GROUPS.md), so nothing new is written under a key the leaver holds. Nothing to do otherwise.
   */
  async rotateIfDue(chatId: string): Promise<void> {
    if (this.store.getChat(chatId)?.rotation_due !== 1) return;
    await this.run(async () => {
      const me = await this.requireMember();
      await this.writable(me, chatId);
    });
  }

  /**
   * The chat's current key version as this desktop verifies it — the server's summary, its signed
   * statements checked against the pinned keys, the key matched to its commitment, a due rotation made
   * first — and stored. For a queued message the server refused as stale (groups/stale-key-resend.ts).
   * A passing failure (offline, a 5xx, no keys loaded yet) is `KeyMoveDeferred`.
   */
  async verifiedCurrentKey(chatId: string): Promise<VerifiedCurrentKey> {
    try {
      const me = await this.requireMember();
      const { chat, keys } = await this.writable(me, chatId);
      const key = keys.byVersion.get(keys.current);
      if (!key) throw new GroupActionError('refused', `No verified key of version ${keys.current} for this chat.`);
      this.stored(chat, keys);
      return { keyVersion: keys.current, key };
    } catch (error) {
      const explained = explainGroupError(error);
      if (explained.code === 'unavailable') throw new KeyMoveDeferred(explained.message);
      throw explained;
    }
  }

  /** The chat's members as the store has them, the unverified ones marked (a fresh check needs the server). */
  async members(chatId: string): Promise<GroupMemberView[]> {
    const row = this.store.getChat(chatId);
    if (!row) throw new GroupActionError('not_found', 'This chat is not on this desktop.');
    const listed = (JSON.parse(row.members) as Array<{ userId: string }>).map((m) => m.userId);
    let unverified: readonly string[] = [];
    const me = await this.member();
    if (me) {
      try {
        const chat = await this.call('getChat', { params: { chatId } });
        unverified = (await openChat(this.call, me, this.contacts.contacts, chat)).membership.unverified;
      } catch {
        // Offline or refused: the list as stored, nothing marked (the chat's own screen says more).
      }
    }
    return listed.map((userId) => ({
      userId,
      username: userId === this.session.userId ? this.session.username : (this.contacts.pin(userId)?.username ?? null),
      you: userId === this.session.userId,
      unverified: unverified.includes(userId),
    }));
  }

  /** The chat's current summary and keys, rotated first when a member left. */
  private async writable(me: GroupMember, chatId: string): Promise<{ chat: ChatSummary; keys: ChatKeys }> {
    if (!this.store.hasChat(chatId)) throw new GroupActionError('not_found', 'This chat is not on this desktop.');
    const chat = await this.call('getChat', { params: { chatId } });
    if (chat.rotationDue) {
      const rotated = await changeMembership(this.call, me, this.contacts.contacts, chat, { action: 'rotate' });
      this.stored(rotated.chat, rotated.keys);
      return rotated;
    }
    const { keys } = await openChat(this.call, me, this.contacts.contacts, chat);
    readMeta(chat, keys); // a chat whose title doesn't open is not one to change
    return { chat, keys };
  }

  private async lookup(usernames: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const username of usernames) {
      try {
        ids.push(await this.contacts.contacts.lookup(username));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404)
          throw new GroupActionError('not_found', `There is no one called "${username}" on this server.`);
        throw error;
      }
    }
    return ids;
  }

  /** The server's answer, and the key version this desktop just made (it made it: no check needed). */
  private stored(chat: ChatSummary, keys: ChatKeys | null): void {
    const key = keys?.byVersion.get(keys.current);
    this.store.transaction(() => {
      if (keys && key)
        this.store.putVerifiedChatKey(
          chat.chatId,
          keys.current,
          wrapChatKey(key, this.session.masterKey, chat.chatId, this.session.userId, keys.current),
        );
      this.store.upsertChats([chat]);
    });
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw explainGroupError(error);
    }
  }
}
