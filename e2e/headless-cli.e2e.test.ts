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

  it('the desktop command prints a QR and waits; the phone command approves the pasted link with the check code', async () => {
    const state = path.join(dir, 'phone.json');
    const signup = await run(['mobile-pairing/src/cli/phone.ts', 'signup', '--server', server.url, '--username', `cli${process.pid}`, '--password', 'pw', '--state', state, '--kdf-profile', 'minimal']);
    expect(signup).toMatchObject({ code: 0 });

    const desktop = spawn(TSX, ['desktop/src/cli/pair.ts', '--server', server.url, '--data', path.join(dir, 'desktop'), '--name', 'CLI box'], { cwd: ROOT });
    const exited = new Promise<number | null>((resolve) => desktop.once('exit', resolve));
    const [, link, checkCode] = await waitForOutput(desktop, /paste the link:\n\s+(symc:\/\/\S+)\n[\s\S]*?Check code \(type it on the phone\): (\d{3} \d{3})/);
    expect(link).toBeDefined();

    const approve = await run(['mobile-pairing/src/cli/phone.ts', 'approve', '--state', state, '--link', link!, '--check-code', checkCode!]);
    expect(approve.stdout).toMatch(/Linked CLI box \(linux\)/);
    expect(await exited).toBe(0);
    expect(readdirSync(path.join(dir, 'desktop', 'keys')).sort()).toEqual(['credentials.key', 'master-key.key']);

    const devices = await run(['mobile-pairing/src/cli/phone.ts', 'devices', '--state', state]);
    expect(devices.stdout).toMatch(/desktop\s+CLI box \(linux\)/);
  });

  it('bad input gets a sentence and a non-zero exit', async () => {
    const state = path.join(dir, 'phone.json');
    const badLink = await run(['mobile-pairing/src/cli/phone.ts', 'approve', '--state', state, '--link', 'symc://pair?v=9&id=x', '--check-code', '123456']);
    expect(badLink.code).toBe(1);
    expect(badLink.stderr).toMatch(/version 9/);
    const unknown = await run(['mobile-pairing/src/cli/phone.ts', 'fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "fly"/);
    const noState = await run(['mobile-pairing/src/cli/phone.ts', 'devices', '--state', path.join(dir, 'missing.json')]);
    expect(noState.code).toBe(1);
    expect(noState.stderr).toMatch(/No phone session/);
  });
});
