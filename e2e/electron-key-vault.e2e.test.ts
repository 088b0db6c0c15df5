import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import type { SafeStorageKeyVault as Vault } from '../desktop/src/main/safe-storage-key-vault';
import { createElectronStandIn, type ElectronStandIn, type StandInOptions } from './support/electron-stand-in';

/**
 * The Electron key vault (desktop/src/main/safe-storage-key-vault.ts) over a stand-in safeStorage that really
 * encrypts (libsodium secretbox under a key only that stand-in holds, as the OS keychain holds Electron's):
 * what lands on disk is ciphertext in 0600 files, unreadable under another key, and a Linux session whose
 * only backend is 'basic_text' is refused with a message the pairing screen shows.
 */
let dir: string;

function vaultWith(
  options: StandInOptions,
  platform: NodeJS.Platform = 'linux',
): { vault: Vault; electron: ElectronStandIn } {
  const electron = createElectronStandIn(dir, options);
  let vault: Vault | undefined;
  jest.isolateModules(() => {
    jest.doMock('electron', () => electron.module);
    type VaultModule = typeof import('../desktop/src/main/safe-storage-key-vault');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after jest.doMock, so it sees the stand-in
    const { SafeStorageKeyVault } = require('../desktop/src/main/safe-storage-key-vault') as VaultModule;
    vault = new SafeStorageKeyVault(path.join(dir, 'keys'), platform);
  });
  return { vault: vault!, electron };
}

const secret = () => Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

beforeAll(async () => {
  await initCrypto();
});

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'symc-vault-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a secret round-trips, and the file holds only ciphertext, 0600, in a 0700 folder', async () => {
  const { vault } = vaultWith({});
  await vault.set('master-key', secret());
  expect(await vault.get('master-key')).toEqual(secret());

  const file = path.join(dir, 'keys', 'master-key.sealed');
  const onDisk = readFileSync(file);
  expect(onDisk.includes(Buffer.from(secret()))).toBe(false);
  expect(onDisk.toString('latin1')).not.toContain(Buffer.from(secret()).toString('base64'));
  expect(onDisk.length).toBeGreaterThan(Buffer.from(secret()).toString('base64').length); // nonce + MAC
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(path.join(dir, 'keys')).mode & 0o777).toBe(0o700);
  expect(readdirSync(path.join(dir, 'keys'))).toEqual(['master-key.sealed']); // no .tmp left behind
});

test('the files are useless without the keychain’s key, and a tampered file is not read as a key', async () => {
  const { vault } = vaultWith({});
  await vault.set('master-key', secret());
  const { vault: otherMachine } = vaultWith({}); // same files, another keychain
  await expect(otherMachine.get('master-key')).rejects.toThrow();

  const file = path.join(dir, 'keys', 'master-key.sealed');
  const bytes = readFileSync(file);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  writeFileSync(file, bytes);
  await expect(vault.get('master-key')).rejects.toThrow();
});

test("Linux with only the 'basic_text' backend: refused with a clear message, nothing written", async () => {
  const { vault } = vaultWith({ storageBackend: 'basic_text' });
  const refusal = vault.set('master-key', secret());
  await expect(refusal).rejects.toThrow(
    "this Linux session has no keychain (Electron offers only 'basic_text', which does not encrypt)",
  );
  await expect(vault.set('master-key', secret())).rejects.toThrow(/Install and unlock GNOME Keyring or KWallet/);
  expect(existsSync(path.join(dir, 'keys'))).toBe(false);
});

test("keys written under a real keychain are not read back once only 'basic_text' is left", async () => {
  await vaultWith({ storageBackend: 'kwallet5' }).vault.set('master-key', secret());
  const { vault } = vaultWith({ storageBackend: 'basic_text' });
  await expect(vault.get('master-key')).rejects.toThrow(/basic_text/);
  expect(await vault.get('credentials')).toBeNull(); // nothing stored: nothing to refuse
});

test('no encryption at all is refused too; basic_text is a Linux-only notion (macOS/Windows keep their keychain)', async () => {
  await expect(vaultWith({ encryptionAvailable: false }).vault.set('master-key', secret())).rejects.toThrow(
    /system keychain is not available/,
  );
  const { vault } = vaultWith({ storageBackend: 'basic_text' }, 'darwin');
  await vault.set('master-key', secret());
  expect(await vault.get('master-key')).toEqual(secret());
});

test('wipe removes every entry', async () => {
  const { vault } = vaultWith({});
  await vault.set('master-key', secret());
  await vault.set('credentials', secret());
  await vault.wipe();
  expect(readdirSync(path.join(dir, 'keys'))).toEqual([]);
});
