import type { ApiClient } from '../../../../common/contract';
import type { BlobTransport } from '../../../src/core/attachments/blob-transport';
import { useSession } from './session';

/**
 * Uploads and downloads of attachments use the signed-in session: its current access token (read before
 * each request), renewed through an ordinary API call when the server says it expired.
 */
export function blobTransport(client: ApiClient): BlobTransport {
  return {
    baseUrl: client.baseUrl,
    accessToken: () => {
      const state = useSession.getState().state;
      return state.status === 'signed-in' ? state.session.tokens.accessToken : null;
    },
    renewToken: async () => {
      await client.call('me', {});
    },
  };
}
