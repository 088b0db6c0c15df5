import {
  ApiError,
  type ChatTrustView,
  IpcError,
  type IpcHandlers,
  type SafetyNumberView,
} from '../../../common/contract';
import { parseUsernames } from '../../../common/trust/group-input';
import { lookUpPeople, pickedStateLabel } from '../../../common/trust/people-picker';
import { safetyNumberQrText } from '../../../common/trust/safety-number';
import type { DesktopContacts } from '../core/contacts/desktop-contacts';
import { qrSvg } from '../core/pairing/qr';
import type { AppService } from './app-service';

type TrustHandlers = Pick<
  IpcHandlers,
  'getChatTrust' | 'getSafetyNumber' | 'setContactVerified' | 'acknowledgeKeyChange' | 'keepPinnedKeys' | 'lookUpPeople'
>;

export function chatTrustView(contacts: DesktopContacts, chatId: string): ChatTrustView {
  const trust = contacts.trust(chatId);
  const changed = new Set(trust.changed.map((c) => c.userId));
  const members = contacts.membersOf(chatId).flatMap((userId) => {
    const pin = contacts.pin(userId);
    return pin ? [{ userId, username: pin.username, verified: pin.verified, changed: changed.has(userId) }] : [];
  });
  return { members, sendingPaused: trust.sendingPaused, refusal: contacts.lastRefusal };
}

/** "Sending is paused" for a chat with a verified member whose keys changed; null when sending may go on. */
export function sendingPausedMessage(contacts: DesktopContacts, chatId: string): string | null {
  const trust = contacts.trust(chatId);
  if (!trust.sendingPaused) return null;
  const names = trust.changed.filter((c) => c.verified).map((c) => c.username);
  return `Sending is paused: ${names.join(', ')}'s safety number changed. Review it and acknowledge the change to send again.`;
}

async function safetyNumberView(contacts: DesktopContacts, userId: string): Promise<SafetyNumberView> {
  const pin = contacts.pin(userId);
  const digits = contacts.safetyNumberWith(userId);
  if (!pin || !digits) throw new IpcError('not_found', 'There are no keys for this contact on this desktop yet.');
  const svg = await qrSvg(safetyNumberQrText(digits));
  return {
    userId,
    username: pin.username,
    digits,
    qrImage: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    verified: pin.verified,
    changed: pin.pendingChange !== null,
  };
}

/** The identity handlers of the IPC contract: key-change warnings, safety numbers, the verified mark. */
export function createTrustHandlers(app: AppService): TrustHandlers {
  const contacts = () => app.linked().core.contacts;
  return {
    getChatTrust: ({ chatId }) => {
      // Pins new members and re-checks the others' keys in the background; a change comes as contactsChanged.
      void contacts().meetMembersOf(chatId);
      return chatTrustView(contacts(), chatId);
    },
    getSafetyNumber: ({ userId }) => safetyNumberView(contacts(), userId),
    setContactVerified: async ({ userId, verified }) => {
      const pin = contacts().pin(userId);
      if (!pin) throw new IpcError('not_found', 'There are no keys for this contact on this desktop yet.');
      if (pin.pendingChange)
        throw new IpcError('wrong_state', `${pin.username}'s safety number changed: acknowledge the change first.`);
      try {
        await contacts().contacts.setVerified(userId, pin.identityPublicKey, verified);
      } catch (error) {
        throw new IpcError('failed', `The verified mark was not saved: ${(error as Error).message}`);
      }
      return safetyNumberView(contacts(), userId);
    },
    acknowledgeKeyChange: async ({ userId }) => {
      const pin = contacts().pin(userId);
      if (!pin?.pendingChange)
        throw new IpcError('wrong_state', 'There is no key change to acknowledge for this contact.');
      try {
        await contacts().contacts.acknowledge(userId, pin.pendingChange.identityPublicKey);
      } catch (error) {
        throw new IpcError('failed', `The change was not acknowledged: ${(error as Error).message}`);
      }
      return { ok: true };
    },
    lookUpPeople: async ({ usernames }) => {
      const { core } = app.linked();
      try {
        const people = await lookUpPeople(
          core.contacts.contacts,
          parseUsernames(usernames.join(' ')),
          core.session.username,
        );
        return { people: people.map((person) => ({ ...person, label: pickedStateLabel(person) })) };
      } catch (error) {
        if (error instanceof ApiError && error.status === 0)
          throw new IpcError('unavailable', 'Symc cannot reach the server: people are looked up there.');
        throw new IpcError('failed', `The lookup failed: ${(error as Error).message}`);
      }
    },
    keepPinnedKeys: async ({ userId }) => {
      const pin = contacts().pin(userId);
      if (!pin?.pendingChange) throw new IpcError('wrong_state', 'There is no key change to refuse for this contact.');
      try {
        await contacts().contacts.keepPinned(userId, pin.pendingChange.identityPublicKey);
      } catch (error) {
        throw new IpcError('failed', `The change was not refused: ${(error as Error).message}`);
      }
      return { ok: true };
    },
  };
}
