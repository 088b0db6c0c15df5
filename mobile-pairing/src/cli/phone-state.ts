import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { fromBase64Url, masterKeyFromBytes, toBase64Url } from '../../../common/crypto';
import type { PhoneSession } from '../core/account';

/**
 * The headless phone keeps its session in a 0600 JSON file — including the master key, because the
 * phone is the device that owns it. A development and test tool; the real phone app keeps it in the
 * platform's secure storage.
 */
const StoredPhone = z.object({
  serverUrl: z.string(),
  userId: z.string(),
  username: z.string(),
  deviceId: z.string(),
  tokens: z.object({ accessToken: z.string(), refreshToken: z.string(), accessExpiresAt: z.string(), refreshExpiresAt: z.string() }),
  masterKey: z.string(),
  identity: z.object({ publicKey: z.string(), secretKey: z.string() }),
  signing: z.object({ publicKey: z.string(), secretKey: z.string() }).optional(),
});

export function savePhone(file: string, serverUrl: string, session: PhoneSession): void {
  const stored: z.infer<typeof StoredPhone> = {
    serverUrl,
    userId: session.userId,
    username: session.username,
    deviceId: session.deviceId,
    tokens: {
      accessToken: session.tokens.accessToken,
      refreshToken: session.tokens.refreshToken,
      accessExpiresAt: session.tokens.accessExpiresAt,
      refreshExpiresAt: session.tokens.refreshExpiresAt,
    },
    masterKey: toBase64Url(session.masterKey),
    identity: { publicKey: toBase64Url(session.identity.publicKey), secretKey: toBase64Url(session.identity.secretKey) },
    ...(session.signing ? { signing: { publicKey: toBase64Url(session.signing.publicKey), secretKey: toBase64Url(session.signing.secretKey) } } : {}),
  };
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function loadPhone(file: string): { serverUrl: string; session: PhoneSession } {
  if (!existsSync(file)) throw new Error(`No phone session in ${file}. Run "npm run phone -- signup" or "signin" first.`);
  const parsed = StoredPhone.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a phone session file.`);
  const s = parsed.data;
  return {
    serverUrl: s.serverUrl,
    session: {
      userId: s.userId,
      username: s.username,
      deviceId: s.deviceId,
      tokens: s.tokens,
      masterKey: masterKeyFromBytes(fromBase64Url(s.masterKey)),
      identity: { publicKey: fromBase64Url(s.identity.publicKey), secretKey: fromBase64Url(s.identity.secretKey) },
      signing: s.signing ? { publicKey: fromBase64Url(s.signing.publicKey), secretKey: fromBase64Url(s.signing.secretKey) } : null,
    },
  };
}
