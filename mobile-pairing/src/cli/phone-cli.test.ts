import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../../../common/crypto';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'mobile-pairing/src/cli/phone.ts');

/** `npm run phone -- …` as a user runs it, from `cwd` (the default state file is ./.data/phone.json there). */
function phone(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), CLI, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('phone CLI: this phone keeps what the server accepted', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-phone-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => server.stop());

  const signup = (cwd: string, username: string, extra: string[] = []) =>
    phone(cwd, [
      'signup',
      '--server',
      server.url,
      '--username',
      username,
      '--password',
      'pw',
      '--kdf-profile',
      'minimal',
      ...extra,
    ]);
  const users = (username: string) => server.server.deps.db.user.count({ where: { username } });

  it('signup where ./.data does not exist yet: the directory is made, the session saved (0600) and usable', async () => {
    const result = await signup(dir, 'fresh_dir');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('Signed in as fresh_dir') });
    const file = path.join(dir, '.data', 'phone.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).username).toBe('fresh_dir');
    const devices = await phone(dir, ['devices']);
    expect(devices).toMatchObject({ code: 0, stdout: expect.stringContaining('this phone') });
  });

  it('a state file that cannot be written: refused before the server creates the account', async () => {
    writeFileSync(path.join(dir, 'a-file'), '');
    const result = await signup(dir, 'no_place', ['--state', path.join(dir, 'a-file', 'phone.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `Cannot create ${path.join(dir, 'a-file')} for the phone session (EEXIST: file already exists); pass --state with a file in a writable directory.`,
    );
    expect(await users('no_place')).toBe(0);
  });

  it('an existing session is never replaced (nothing is created on the server)', async () => {
    expect((await signup(dir, 'first_acct')).code).toBe(0);
    const before = readFileSync(path.join(dir, '.data', 'phone.json'), 'utf8');
    const second = await signup(dir, 'second_acct');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already holds the session of first_acct');
    expect(await users('second_acct')).toBe(0);
    expect(readFileSync(path.join(dir, '.data', 'phone.json'), 'utf8')).toBe(before);
  });
});
