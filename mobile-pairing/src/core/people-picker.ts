import type { ApiClient } from '../../../common/contract';
import { parseUsernames } from '../../../common/trust/group-input';
import { lookUpPeople, type PickedPerson } from '../../../common/trust/people-picker';
import type { PhoneSession } from './account';
import { phoneContacts } from './contacts';

/**
 * New chat's picker on the phone (docs/GROUPS.md "Picking people"): the typed people looked up and compared
 * with this account's pins, exactly as the desktop does (common/trust/people-picker.ts).
 */
export async function lookUpForNewChat(client: ApiClient, me: PhoneSession, typed: string): Promise<PickedPerson[]> {
  return lookUpPeople(await phoneContacts(client, me), parseUsernames(typed), me.username);
}

/**
 * The user's explicit answer to a changed safety number shown in the picker: `accept` moves the pin to the
 * keys shown (no longer verified); otherwise the pinned keys stay and that claim is ignored from then on.
 * Nothing happens when no change is pending (another device answered first).
 */
export async function answerKeyChange(
  client: ApiClient,
  me: PhoneSession,
  userId: string,
  accept: boolean,
): Promise<void> {
  const contacts = await phoneContacts(client, me);
  const change = contacts.pin(userId)?.pendingChange;
  if (!change) return;
  if (accept) await contacts.acknowledge(userId, change.identityPublicKey);
  else await contacts.keepPinned(userId, change.identityPublicKey);
}
