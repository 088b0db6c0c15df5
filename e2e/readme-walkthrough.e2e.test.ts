import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The README, tried literally: the server started the way its first lines say (`npm run server`), then every
 * command of "Linking a desktop, headless" run as written — only the values the README elides (the link, the
 * codes, the device id) are filled in from what the earlier commands printed, and the CLIs find the server
 * through SYMC_SERVER_URL as a newcomer on another port would. A command added to that block without a line
 * here fails this test, so the walk-through cannot drift from what the code does.
 */

const ROOT = path.resolve(__dirname, '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The commands of the first ```bash block under a heading, each with its trailing comment. */
function bashBlockUnder(heading: string): Array<{ command: string; comment: string }> {
  const start = `\n${README}`.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const block = README.slice(start).match(/```bash\n([\s\S]*?)```/);
  if (!block) throw new Error(`README's "${heading}" section has no bash block`);
  return block[1]!
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const split = line.match(/^(.*?)\s+#\s+(.*)$/);
      return split ? { command: split[1]!.trim(), comment: split[2]! } : { command: line.trim(), comment: '' };
    });
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('the README walk-through, as written', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | null = null;
  let serverUrl: string;
  let listening: { msg: string; url: string; phoneApp: string };
  const children: ChildProcess[] = [];

  const spawnShell = (command: string, extraEnv: NodeJS.ProcessEnv = {}): ChildProcess => {
    const child = spawn('bash', ['-c', command], { cwd: ROOT, env: { ...env, ...extraEnv }, detached: true });
    children.push(child);
    return child;
  };
  const collect = (child: ChildProcess): Promise<Run> =>
    new Promise((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
  const sh = (command: string, extraEnv?: NodeJS.ProcessEnv) => collect(spawnShell(command, extraEnv));
  /** Resolves with the match once `pattern` appears on the child's stdout. */
  const waitFor = (child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      let seen = '';
      child.stdout!.on('data', (c: Buffer) => {
        seen += c.toString();
        const match = seen.match(pattern);
        if (match) resolve(match);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${pattern}:\n${seen}`)));
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-readme-'));
    const port = await freePort();
    serverUrl = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      PORT: String(port),
      DATA_DIR: path.join(dir, 'server'),
      // The phone CLI's session and the desktop's keys (~/.symc-desktop) go to this run's folder.
      SYMC_PHONE_STATE: path.join(dir, 'phone.json'),
      HOME: path.join(dir, 'home'),
      SYMC_SERVER_URL: serverUrl,
    };
    // The README's first command, less `npm ci` (this checkout is installed): `npm run server`.
    const [setup] = bashBlockUnder('# Symc');
    expect(setup!.command).toBe('npm ci && npm run server');
    server = spawnShell('npm run server');
    const line = await waitFor(server, /\{[^\n]*symc server listening[^\n]*\}/);
    listening = JSON.parse(line[0]) as typeof listening;
  }, 120_000);

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
    rmSync(dir, { recursive: true, force: true });
  });

  it('the server says where it listens and where the phone app is, and serves it there', async () => {
    expect(bashBlockUnder('# Symc')[0]!.comment).toContain('phone app at /phone/');
    expect(listening).toMatchObject({ url: serverUrl, phoneApp: `${serverUrl}/phone/` });
    expect(listening.msg).toBe(`symc server listening on ${serverUrl} (phone app: ${serverUrl}/phone/)`);
    const page = await fetch(listening.phoneApp);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });

  it('signup, link by the QR link, link by the codes, list, unlink: every command as written', async () => {
    const steps = bashBlockUnder('## Linking a desktop, headless');
    const known = [
      /^npm run phone -- signup /,
      /^npm run desktop:pair -- /,
      /^npm run phone -- approve --link '[^']+'$/,
      /^npm run phone -- approve --code \S+ --check-code \S+$/,
      /^npm run phone -- devices$/,
      /^npm run phone -- unlink --device <id>$/,
    ];
    for (const step of steps) expect(known.filter((pattern) => pattern.test(step.command))).toHaveLength(1);
    const step = (pattern: RegExp) => steps.find((s) => pattern.test(s.command))!;

    const signup = await sh(step(known[0]!).command);
    expect(signup).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Signed in as alice \(device \S+\)/m) });
    expect(statSync(env.SYMC_PHONE_STATE!).mode & 0o777).toBe(0o600);

    // "prints a QR code, a link, a pairing code and a check code"
    const pairCommand = step(known[1]!).command;
    expect(step(known[1]!).comment).toBe('prints a QR code, a link, a pairing code and a check code');
    const linkDesktop = async (approve: (printed: { link: string; code: string; check: string }) => string) => {
      const home = mkdtempSync(path.join(dir, 'desktop-'));
      const desktop = spawnShell(pairCommand, { HOME: home });
      const finished = collect(desktop);
      const printed = await waitFor(
        desktop,
        /[▀▄█]{8}[\s\S]*paste the link:\n\s+(symc:\/\/pair\?\S+)\n.*pairing code (\S+), then the check code (\d{3} ?\d{3})\./,
      );
      const approval = await sh(approve({ link: printed[1]!, code: printed[2]!, check: printed[3]!.replace(' ', '') }));
      expect(approval).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Linked My laptop \(linux\)/m) });
      const result = await finished;
      expect(result.code).toBe(0);
      const linked = result.stdout.match(/Linked as device (\S+) of alice\. Keys saved in (.+)\.\n/);
      expect(linked?.[2]).toBe(path.join(home, '.symc-desktop'));
      // "keeps the device's keys in ~/.symc-desktop/keys (0600 files)"
      const credentials = path.join(home, '.symc-desktop', 'keys', 'credentials.key');
      expect(statSync(credentials).mode & 0o777).toBe(0o600);
      return {
        deviceId: linked![1]!,
        accessToken: (JSON.parse(readFileSync(credentials, 'utf8')) as { accessToken: string }).accessToken,
      };
    };

    // "one scan (the link): nothing to type"
    const byLink = await linkDesktop(({ link }) =>
      step(known[2]!).command.replace(/'[^']+'$/, `'${link.replace(/'/g, "'\\''")}'`),
    );
    // "no camera: both codes from the desktop"
    const byCode = await linkDesktop(({ code, check }) =>
      step(known[3]!)
        .command.replace(/--code \S+/, `--code ${code}`)
        .replace(/--check-code \S+/, `--check-code ${check}`),
    );

    // "the desktop is listed"
    const devices = await sh(step(known[4]!).command);
    expect(devices.code).toBe(0);
    for (const { deviceId } of [byLink, byCode])
      expect(devices.stdout).toMatch(new RegExp(`^${deviceId}\\s+desktop\\s+My laptop \\(linux\\)`, 'm'));

    // "it loses access at once"
    const me = (token: string) => fetch(`${serverUrl}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me(byLink.accessToken)).status).toBe(200);
    const unlink = await sh(step(known[5]!).command.replace('<id>', byLink.deviceId));
    expect(unlink).toMatchObject({ code: 0, stdout: expect.stringContaining('Unlinked.') });
    const refused = await me(byLink.accessToken);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'device_revoked' } });
    expect((await me(byCode.accessToken)).status).toBe(200);
    expect((await sh(step(known[4]!).command)).stdout).not.toContain(byLink.deviceId);
  }, 120_000);

  it('both CLIs answer --help on stdout, and refuse a bad server address or option with a sentence and usage', async () => {
    for (const cli of ['npm run phone --silent -- --help', 'npm run desktop:pair --silent -- --help']) {
      const help = await sh(cli);
      expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: npm run /) });
      expect(help.stdout).toContain('SYMC_SERVER_URL');
    }
    const badServer = await sh('npm run phone --silent -- signup --username bob --password pw', {
      SYMC_SERVER_URL: 'localhost:8787',
    });
    expect(badServer.code).toBe(2);
    expect(badServer.stderr).toContain(
      '"localhost:8787" is not a server address: give an http:// or https:// URL (--server or SYMC_SERVER_URL).',
    );
    const badOption = await sh('npm run desktop:pair --silent -- --nmae laptop');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/Unknown option '--nmae'[\s\S]*Usage: npm run desktop:pair/);
    const down = await sh('npm run phone --silent -- signin --username bob --password pw', {
      SYMC_SERVER_URL: 'http://127.0.0.1:9',
      SYMC_PHONE_STATE: path.join(dir, 'unused.json'),
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^Cannot reach the server/);
  }, 60_000);
});
