import { z } from 'zod';
import { masterKeyFromBytes, type MasterKey, utf8 } from '../../../../common/crypto';
import type { KeyVault } from '../keys/key-vault';

/** Everything the desktop needs to act as its device. Stored in the KeyVault, never in the database. */
export const DeviceCredentials = z.object({
  serverUrl: z.string(),
  userId: z.string(),
  username: z.string(),
  deviceId: z.string(),
  accessToken: z.string(),
  refreshToken: z.string(),
  accessExpiresAt: z.string(),
  refreshExpiresAt: z.string(),
  /**
   * The account's identity key pair as handed over at pairing: the secret half wrapped under the master
   * key (the server's copy, which it can't open). Kept so a start never waits for the server before
   * syncing. Absent in credentials saved by older builds: the core fetches it once (`me`).
   */
  identity: z.object({ publicKey: z.string(), wrappedSecretKey: z.string() }).optional(),
  /**
   * The account's signing key, the same way (Ed25519; secret wrapped under the master key). Absent in
   * credentials of older builds, or when the account had none at pairing: the core asks `me` for it.
   */
  signing: z.object({ publicKey: z.string(), wrappedSecretKey: z.string() }).optional(),
});
export type DeviceCredentials = z.infer<typeof DeviceCredentials>;

export async function saveCredentials(vault: KeyVault, credentials: DeviceCredentials): Promise<void> {
  await vault.set('credentials', utf8.encode(JSON.stringify(DeviceCredentials.parse(credentials))));
}

export async function loadCredentials(vault: KeyVault): Promise<DeviceCredentials | null> {
  const bytes = await vault.get('credentials');
  if (!bytes) return null;
  const parsed = DeviceCredentials.safeParse(JSON.parse(utf8.decode(bytes)));
  return parsed.success ? parsed.data : null;
}

export async function loadMasterKey(vault: KeyVault): Promise<MasterKey | null> {
  const bytes = await vault.get('master-key');
  return bytes ? masterKeyFromBytes(bytes) : null;
}
