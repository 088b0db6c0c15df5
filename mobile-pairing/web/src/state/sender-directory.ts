import type { ApiClient } from '../../../../common/contract';
import type { SenderKeyDirectory } from '../../../../common/trust/sender-keys';
import type { PhoneSession } from '../../../src/core/account';
import { phoneContacts } from '../../../src/core/contacts';

/**
 * Where the phone app gets the names and signing keys of message senders: the account's pinned contacts
 * (synced under the master key), which answer from the pins and never from a changed server answer.
 */
export function senderDirectoryFor(client: ApiClient, me: PhoneSession): SenderKeyDirectory {
  return { keysFor: async (userId) => (await phoneContacts(client, me)).keysFor(userId) };
}
