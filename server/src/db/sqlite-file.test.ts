import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer } from '../../test/support/test-server';

const ROOT = path.resolve(__dirname, '../../..');
const NOBODY = 65534;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-data-dir-'));
  fs.chmodSync(dir, 0o755); // a user other than ours may need to look inside (the read-only case below)
  return dir;
}

/**
 * `npm run server` as an operator runs it, with a DATA_DIR it cannot use. As root every directory is
 * writable, so the read-only case runs the server as `nobody` then (root may switch users).
 */
function runServer(dataDir: string, asOtherUser = false): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'server/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      ...(asOtherUser ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const isRoot = process.getuid?.() === 0;

describe('the SQLite data directory', () => {
  it('the database file is created readable by the server user only (0600)', async () => {
    const server = await startTestServer({}, { dataDir: tempDir() });
    await server.stop({ keepData: true });
    expect(fs.statSync(server.dbFile).mode & 0o777).toBe(0o600);
    fs.rmSync(server.dataDir, { recursive: true });
  });

  it('a file created 0644 by an older version is tightened to 0600 at start', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'symc.db'), '', { mode: 0o644 });
    const server = await startTestServer({}, { dataDir: dir });
    expect(fs.statSync(path.join(dir, 'symc.db')).mode & 0o777).toBe(0o600);
    await server.stop();
  });

  it('a DATA_DIR below a regular file: exit 1 with one sentence naming the directory and the cause', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    const dataDir = path.join(dir, 'a-file', 'server');
    const { code, stderr } = await runServer(dataDir);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `Cannot create the database directory ${dataDir} (ENOTDIR: not a directory); set DATA_DIR to a directory the server can write to.`,
    );
  });

  it('a database path that is a directory: exit 1 naming the file and the cause', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'symc.db'));
    const { code, stderr } = await runServer(dir);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `Cannot open the database file ${path.join(dir, 'symc.db')} for writing (EISDIR: illegal operation on a directory); set DATA_DIR to a directory the server can write to.`,
    );
  });

  it('a read-only DATA_DIR: exit 1 naming the file and "permission denied", not "unable to open database file"', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'read-only');
    fs.mkdirSync(dataDir, { mode: 0o555 });
    fs.chmodSync(dataDir, 0o555);
    const { code, stderr } = await runServer(dataDir, isRoot);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `Cannot open the database file ${path.join(dataDir, 'symc.db')} for writing (EACCES: permission denied); set DATA_DIR to a directory the server can write to.`,
    );
  });

  it('a read-only database file left by another user: refused, not served read-only', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'symc.db'), '', { mode: 0o444 });
    const { code, stderr } = await runServer(dir, isRoot);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Cannot open the database file ${path.join(dir, 'symc.db')} for writing (EACCES: permission denied)`,
    );
  });
});
