import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** `npm run demo` as a child process, exactly as a user runs it (the npm script is `tsx scripts/demo/demo.ts`). */
function demo(
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(TSX, ['scripts/demo/demo.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('npm run demo', () => {
  it('runs the whole flow headless and exits 0, printing each phase with its timing and the decrypted phase-1 chat', async () => {
    const { code, stdout, stderr } = await demo();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.split('\n');
    const index = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    // Every step, in order.
    const steps = [
      /^1\. Server/,
      /^2\. Phone .* 15 chats, 165 messages/,
      /desktop shows QR symc:\/\/pair\?v=2/,
      /^3\. Pairing .*linked .*one scan/,
      /^4\. Sync/,
      /phase 1 .* 1 chat .* 30 messages .*ready at \d+ ms/,
      /phase 2 .* 10 chats .*ready at/,
      /settings .*ready at .*"theme":"dark"/,
      /phase 3 .* 4 chats .*ready at/,
      /cache primed: 165 messages/,
      /^5\. Live/,
      /phone → desktop .*Just landed/,
      /desktop → phone .*terrace is amazing/,
      /plaintext probes: 0 hits/,
      /^Demo finished OK/,
    ];
    const positions = steps.map(index);
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The phase-1 preview is the last opened chat, decrypted on the desktop.
    expect(stdout).toContain('"Holiday in Lisbon", decrypted in memory on the desktop:');
    // Under the friend's account name from the directory (their signature checked), not the name in the body.
    expect(stdout).toMatch(/ sam\S*: Pastéis de nata every morning/);
  }, 120_000);

  it('exits non-zero with a sentence when it cannot finish in time', async () => {
    const { code, stdout, stderr } = await demo({ DEMO_TIMEOUT_MS: '1500' });
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^The demo did not finish within 1500 ms; something is stuck/);
    expect(stdout).not.toContain('Demo finished OK');
  }, 60_000);
});
