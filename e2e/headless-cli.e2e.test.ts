import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../server/test/support/test-server';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs a CLI to completion without blocking this process (the server under test lives in it). */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Collects a child's stdout and resolves when a pattern appears in it. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  let seen = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${pattern}: ${seen}`)));
  });
}

describe('headless pairing from the command line', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-cli-'));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the desktop command prints a QR and waits; the phone command approves the pasted link (nothing to type)', async () => {
    const state = path.join(dir, 'phone.json');
    const signup = await run([
      'mobile-pairing/src/cli/phone.ts',
      'signup',
      '--server',
      server.url,
      '--username',
      `cli${process.pid}`,
      '--password',
      'pw',
      '--state',
      state,
      '--kdf-profile',
      'minimal',
    ]);
    expect(signup).toMatchObject({ code: 0 });

    const desktop = spawn(
      TSX,
      ['desktop/src/cli/pair.ts', '--server', server.url, '--data', path.join(dir, 'desktop'), '--name', 'CLI box'],
      { cwd: ROOT },
    );
    const exited = new Promise<number | null>((resolve) => desktop.once('exit', resolve));
    const [, link] = await waitForOutput(desktop, /paste the link:\n\s+(symc:\/\/\S+)\n/);
    expect(link).toBeDefined();

    const approve = await run(['mobile-pairing/src/cli/phone.ts', 'approve', '--state', state, '--link', link!]);
    expect(approve.stdout).toMatch(/Linked CLI box \(linux\)/);
    expect(await exited).toBe(0);
    expect(readdirSync(path.join(dir, 'desktop', 'keys')).sort()).toEqual(['credentials.key', 'master-key.key']);

    const devices = await run(['mobile-pairing/src/cli/phone.ts', 'devices', '--state', state]);
    expect(devices.stdout).toMatch(/desktop\s+CLI box \(linux\)/);
  });

  it('without a camera: a wrong check code fails with a sentence and the desktop shows new codes; the right one links', async () => {
    const state = path.join(dir, 'phone.json');
    const desktop = spawn(
      TSX,
      ['desktop/src/cli/pair.ts', '--server', server.url, '--data', path.join(dir, 'desktop2'), '--name', 'CLI den'],
      { cwd: ROOT },
    );
    const exited = new Promise<number | null>((resolve) => desktop.once('exit', resolve));
    const codes = /type the pairing code ([0-9A-Z]{4}-[0-9A-Z]{4}), then the check code (\d{3} \d{3})\./;
    const [, pairingCode, checkCode] = await waitForOutput(desktop, codes);
    const wrong = checkCode === '000 000' ? '000001' : '000000';
    const renewed = waitForOutput(desktop, new RegExp(`code didn’t match[\\s\\S]*?${codes.source}`));
    const refused = await run([
      'mobile-pairing/src/cli/phone.ts',
      'approve',
      '--state',
      state,
      '--code',
      pairingCode!,
      '--check-code',
      wrong,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/check code didn’t match/);

    const [, pairingCode2, checkCode2] = await renewed;
    const approve = await run([
      'mobile-pairing/src/cli/phone.ts',
      'approve',
      '--state',
      state,
      '--code',
      pairingCode2!,
      '--check-code',
      checkCode2!,
    ]);
    expect(approve.stdout).toMatch(/Linked CLI den \(linux\)/);
    expect(await exited).toBe(0);
  });

  it('bad input gets a sentence and a non-zero exit', async () => {
    const state = path.join(dir, 'phone.json');
    const badLink = await run([
      'mobile-pairing/src/cli/phone.ts',
      'approve',
      '--state',
      state,
      '--link',
      'symc://pair?v=9&id=x',
      '--check-code',
      '123456',
    ]);
    expect(badLink.code).toBe(1);
    expect(badLink.stderr).toMatch(/version 9/);
    const unknown = await run(['mobile-pairing/src/cli/phone.ts', 'fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "fly"/);
    const noState = await run([
      'mobile-pairing/src/cli/phone.ts',
      'devices',
      '--state',
      path.join(dir, 'missing.json'),
    ]);
    expect(noState.code).toBe(1);
    expect(noState.stderr).toMatch(/No phone session/);
  });
});
