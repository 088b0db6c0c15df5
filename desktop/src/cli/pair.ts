import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initCrypto } from '../../../common/crypto';
import { FileKeyVault } from '../core/keys/file-key-vault';
import { DesktopPairing } from '../core/pairing/desktop-pairing';
import { qrTerminal } from '../core/pairing/qr';

const DEFAULT_SERVER_URL = 'http://127.0.0.1:8787';

const USAGE = `Usage: npm run desktop:pair -- [--server URL] [--data DIR] [--name NAME]

Links this computer to your phone, headless: prints the QR code in the terminal and waits for the phone.
  --server URL   Symc server (default $SYMC_SERVER_URL, else ${DEFAULT_SERVER_URL})
  --data DIR     where the device's keys are kept (default $SYMC_DATA_DIR, else ~/.symc-desktop)
  --name NAME    how the phone will see this computer (default: the host name)
  --help, -h     this text`;

function platform(): 'macos' | 'windows' | 'linux' {
  if (process.platform === 'darwin') return 'macos';
  if (process.platform === 'win32') return 'windows';
  return 'linux';
}

function isHttpUrl(raw: string): boolean {
  try {
    const { protocol } = new URL(raw);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        server: { type: 'string' },
        data: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const serverUrl = args.server ?? (process.env.SYMC_SERVER_URL || DEFAULT_SERVER_URL);
  if (!isHttpUrl(serverUrl)) {
    process.stderr.write(
      `"${serverUrl}" is not a server address: give an http:// or https:// URL (--server or SYMC_SERVER_URL).\n`,
    );
    return 2;
  }
  await initCrypto();
  const dataDir = path.resolve(args.data ?? (process.env.SYMC_DATA_DIR || path.join(os.homedir(), '.symc-desktop')));
  const pairing = new DesktopPairing({
    serverUrl: serverUrl.replace(/\/+$/, ''),
    vault: new FileKeyVault(path.join(dataDir, 'keys')),
    deviceName: args.name ?? os.hostname(),
    platform: platform(),
  });
  pairing.subscribe((state) => {
    if (state.kind !== 'showing') return;
    void qrTerminal(state.link).then((qr) => {
      process.stdout.write(
        (state.notice ? `\n${state.notice}\n` : '') +
          `\n${qr}\nScan this with Symc on your phone (Link desktop) and approve, or paste the link:\n  ${state.link}\n` +
          `No camera? On the phone, type the pairing code ${state.pairingCode}, then the check code ${state.checkCode}.\n` +
          `QR ${state.rotation}, refreshes in ${Math.round((state.rotatesAt - Date.now()) / 1000)} s.\n`,
      );
    });
  });
  process.on('SIGINT', () => pairing.cancel());
  const final = await pairing.start();
  switch (final.kind) {
    case 'paired':
      process.stdout.write(`Linked as device ${final.deviceId} of ${final.username}. Keys saved in ${dataDir}.\n`);
      return 0;
    case 'timed-out':
      process.stderr.write('No phone approved in time. Run the command again to show a new code.\n');
      return 1;
    case 'denied':
      process.stderr.write('The phone denied this link request.\n');
      return 1;
    case 'failed':
      process.stderr.write(`${final.message}\n`);
      return 1;
    default:
      process.stderr.write('Pairing was cancelled.\n');
      return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Pairing failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
