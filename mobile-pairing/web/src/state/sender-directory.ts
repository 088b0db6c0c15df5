import type { ApiClient } from '../../../../common/contract';
import { type SenderKeyDirectory, ServerSenderKeyDirectory } from '../../../../common/trust/sender-keys';

/**
 * Where the phone app gets the names and signing keys of message senders: the server's directory, believed
 * on first use for the session. A pinned directory (synced pins, key-change warnings) replaces it here.
 */
export function senderDirectoryFor(client: ApiClient): SenderKeyDirectory {
  return new ServerSenderKeyDirectory(client);
}
