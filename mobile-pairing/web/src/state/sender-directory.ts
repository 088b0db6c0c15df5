import type { ApiClient } from '../../../../common/contract';
import { type SenderKeyDirectory, withOwnKeys } from '../../../../common/trust/sender-keys';
import type { PhoneSession } from '../../../src/core/account';
import { phoneContacts } from '../../../src/core/contacts';

/**
 * Where the phone app gets the names and signing keys of message senders: the account's pinned contacts
 * (synced under the master key), which answer from the pins and never from a changed server answer; the
 * account's own messages are checked against its own key.
 */
export function senderDirectoryFor(client: ApiClient, me: PhoneSession): SenderKeyDirectory {
  const pinned: SenderKeyDirectory = { keysFor: async (userId) => (await phoneContacts(client, me)).keysFor(userId) };
  return withOwnKeys(pinned, {
    userId: me.userId,
    username: me.username,
    signingPublicKey: async () => me.signing?.publicKey ?? null,
  });
}
