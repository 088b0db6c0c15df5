import { parseArgs } from 'node:util';
import { ApiError, createApiClient, PairingLinkError } from '../../../common/contract';
import { initCrypto } from '../../../common/crypto';
import { createAccount, signIn } from '../core/account';
import {
  approvePairing,
  awaitPairingOutcome,
  denyPairing,
  listLinkedDevices,
  lookupPairing,
  needsCheckCode,
  parsePairingInput,
  PairingRefused,
  unlinkDevice,
} from '../core/pairing';
import { loadPhone, preparePhoneState, savePhone } from './phone-state';
import { ensureSigningKey } from '../core/signing-key';

const DEFAULT_SERVER_URL = 'http://127.0.0.1:8787';

const USAGE = `Usage: npm run phone -- <command> [options]

The phone side, headless. Commands:
  signup  --username U --password P [--server URL]   create an account (keys are made here)
  signin  --username U --password P [--server URL]   sign in on this "phone"
  approve --link LINK                               link a desktop by its QR link (nothing to type)
  approve --code CODE --check-code NNNNNN           link a desktop without a camera: its pairing code and check code
  deny    --link LINK|--code CODE                   refuse a desktop's request
  devices                                           list linked devices
  unlink  --device ID                               unlink a device
  help                                              this text (also --help, -h)
Common: --state FILE keeps this phone's session (0600; holds the master key); default $SYMC_PHONE_STATE,
        else ./.data/phone.json. --server defaults to $SYMC_SERVER_URL, else ${DEFAULT_SERVER_URL};
        after signup/signin the other commands use the server the session was made on.`;

const COMMANDS = ['signup', 'signin', 'approve', 'deny', 'devices', 'unlink'];

async function run(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      state: { type: 'string' },
      link: { type: 'string' },
      code: { type: 'string' },
      'check-code': { type: 'string' },
      device: { type: 'string' },
      'kdf-profile': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === 'help') return USAGE;
  if (!command || !COMMANDS.includes(command))
    throw new UsageError(command ? `Unknown command "${command}".` : 'Name a command.');
  const stateFile = values.state ?? (process.env.SYMC_PHONE_STATE || '.data/phone.json');
  const need = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new UsageError(`"${command}" needs --${name}.`);
    return value;
  };

  if (command === 'signup' || command === 'signin') {
    const serverUrl = serverUrlFrom(values.server ?? (process.env.SYMC_SERVER_URL || DEFAULT_SERVER_URL));
    const client = createApiClient({ baseUrl: serverUrl });
    const input = {
      username: need('username'),
      password: need('password'),
      device: { name: 'Headless phone', platform: 'web' as const },
    };
    const profile = values['kdf-profile'] === 'minimal' ? 'minimal' : 'interactive';
    preparePhoneState(stateFile);
    const signedIn =
      command === 'signup'
        ? await createAccount(client, { ...input, kdfProfile: profile })
        : await signIn(client, input);
    // An account from before message signing gets its signing key now, made here on the phone.
    const session = await ensureSigningKey(
      createApiClient({ baseUrl: serverUrl, accessToken: () => signedIn.tokens.accessToken }),
      signedIn,
    );
    try {
      savePhone(stateFile, serverUrl, session);
    } catch (error) {
      // Prepared above, so this is rare (the disk filled up meanwhile). The account stays; this device goes,
      // so it does not count toward the device limit, and signing in again restores the keys from the server.
      const self = createApiClient({ baseUrl: serverUrl, accessToken: () => session.tokens.accessToken });
      await unlinkDevice(self, session.deviceId).catch(() => undefined);
      throw new Error(
        `The account ${session.username} exists on the server, but this phone's session could not be saved in ${stateFile} (${(error as Error).message}); run "npm run phone -- signin" once it can be.`,
        { cause: error },
      );
    }
    return `Signed in as ${session.username} (device ${session.deviceId}). Session saved in ${stateFile}.`;
  }

  const { serverUrl, session } = loadPhone(stateFile);
  const client = createApiClient({ baseUrl: serverUrl, accessToken: () => session.tokens.accessToken });
  switch (command) {
    case 'approve':
    case 'deny': {
      const input = parsePairingInput(values.link ?? values.code ?? need('link'));
      const pending = await lookupPairing(client, input);
      const who = `${pending.info.deviceName} (${pending.info.platform}), asked at ${pending.info.createdAt}`;
      if (command === 'deny') {
        await denyPairing(client, pending);
        return `Denied ${who}.`;
      }
      await approvePairing(client, session, pending, needsCheckCode(pending) ? need('check-code') : undefined);
      switch (await awaitPairingOutcome(client, pending)) {
        case 'linked':
          return `Linked ${who}.`;
        case 'rejected':
          throw new PairingRefused(
            'bad_check_code',
            'The check code didn’t match the desktop’s; nothing was linked. The desktop now shows new codes: try again with those.',
          );
        default:
          return `Sent the keys to ${who}; the desktop has not confirmed yet — check its screen.`;
      }
    }
    case 'devices': {
      const devices = await listLinkedDevices(client);
      return devices
        .map(
          (d) =>
            `${d.deviceId}  ${d.kind.padEnd(7)}  ${d.name} (${d.platform})  last seen ${d.lastSeenAt}${d.current ? '  ← this phone' : ''}`,
        )
        .join('\n');
    }
    case 'unlink':
      await unlinkDevice(client, need('device'));
      return 'Unlinked. The device has lost access and will wipe its data.';
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

class UsageError extends Error {}

/** The server's origin, or a usage error naming what was wrong with it (and where it came from). */
function serverUrlFrom(raw: string): string {
  if (!URL.canParse(raw) || !['http:', 'https:'].includes(new URL(raw).protocol))
    throw new UsageError(
      `"${raw}" is not a server address: give an http:// or https:// URL (--server or SYMC_SERVER_URL).`,
    );
  return raw.replace(/\/+$/, '');
}

function explain(error: unknown): string {
  if (error instanceof UsageError) return `${error.message}\n\n${USAGE}`;
  if (error instanceof PairingLinkError || error instanceof PairingRefused) return error.message;
  if (error instanceof ApiError)
    return error.status === 0 ? `Cannot reach the server: ${error.message}` : `The server refused: ${error.message}`;
  if (error instanceof TypeError && /parseArgs|option/i.test(error.message)) return `${error.message}\n\n${USAGE}`;
  return (error as Error).message;
}

async function main(): Promise<number> {
  await initCrypto();
  try {
    process.stdout.write(`${await run(process.argv.slice(2))}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${explain(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

void main().then((code) => process.exit(code));
