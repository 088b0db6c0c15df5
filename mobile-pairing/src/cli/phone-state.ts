import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
  tokens: z.object({
    accessToken: z.string(),
    refreshToken: z.string(),
    accessExpiresAt: z.string(),
    refreshExpiresAt: z.string(),
  }),
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
    identity: {
      publicKey: toBase64Url(session.identity.publicKey),
      secretKey: toBase64Url(session.identity.secretKey),
    },
    ...(session.signing
      ? {
          signing: {
            publicKey: toBase64Url(session.signing.publicKey),
            secretKey: toBase64Url(session.signing.secretKey),
          },
        }
      : {}),
  };
  // Atomic: a crash while writing leaves the previous file or the new one, never half a master key.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(stored, null, 2), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function cause(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${code}: ${message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '')}` : message;
}

/**
 * Run before the server is asked to create anything: the server keeps what it accepted (an account, a
 * device that counts toward the limit), so this phone must be able to keep its half. The directory is
 * created (0700), a file is written and removed there, and an existing session is never replaced (its
 * device would be orphaned, and for an account nobody remembers the password of, its keys lost).
 */
export function preparePhoneState(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new Error(
      `Cannot create ${dir} for the phone session (${cause(error)}); pass --state with a file in a writable directory.`,
      { cause: error },
    );
  }
  if (existsSync(file)) {
    let holder = 'another session';
    try {
      holder = `the session of ${loadPhone(file).session.username}`;
    } catch {
      // Not a session file: still not ours to overwrite.
    }
    throw new Error(
      `${file} already holds ${holder}; pass --state with another file (or remove this one) to sign up or sign in again.`,
    );
  }
  const probe = `${file}.tmp`;
  try {
    writeFileSync(probe, '', { mode: 0o600 });
    rmSync(probe);
  } catch (error) {
    throw new Error(
      `Cannot write the phone session in ${dir} (${cause(error)}); pass --state with a file in a writable directory.`,
      {
        cause: error,
      },
    );
  }
}

export function loadPhone(file: string): { serverUrl: string; session: PhoneSession } {
  if (!existsSync(file))
    throw new Error(`No phone session in ${file}. Run "npm run phone -- signup" or "signin" first.`);
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
      signing: s.signing
        ? { publicKey: fromBase64Url(s.signing.publicKey), secretKey: fromBase64Url(s.signing.secretKey) }
        : null,
    },
  };
}
