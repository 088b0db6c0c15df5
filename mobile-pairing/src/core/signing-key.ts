import { type ApiClient, ApiError } from '../../../common/contract';
import { encodeSigningPublicKey, generateSigningKeyPair, wrapSigningSecretKey } from '../../../common/crypto';
import { type PhoneSession, signingKeyFromAccount } from './account';

/**
 * Accounts made before signing existed get their signing key here, on the phone, at its next sign-in or
 * start: the key the server holds if another phone made one meanwhile, else a new one, uploaded with the
 * set-once route. If another phone won the race (409), its key is fetched and used — never two keys.
 * Returns the session with its signing key (the same object when it had one).
 */
export async function ensureSigningKey(client: ApiClient, session: PhoneSession): Promise<PhoneSession> {
  if (session.signing) return session;
  const me = await client.call('me', {});
  const existing = signingKeyFromAccount(me, session.masterKey);
  if (existing) return { ...session, signing: existing };
  const signing = generateSigningKeyPair();
  try {
    await client.call('setSigningKey', {
      body: {
        signingPublicKey: encodeSigningPublicKey(signing.publicKey),
        wrappedSigningSecretKey: wrapSigningSecretKey(signing.secretKey, session.masterKey, session.userId),
      },
    });
    return { ...session, signing };
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'conflict')) throw error;
    const again = signingKeyFromAccount(await client.call('me', {}), session.masterKey);
    if (!again) throw error;
    return { ...session, signing: again };
  }
}
