/**
 * A linked desktop's sync in a process of its own, for tests that kill it (kill -9) at random points:
 * `tsx e2e/support/desktop-sync-child.ts <dataDir>`. Prints "primed" once the first sync is complete and
 * stops cleanly on SIGTERM.
 */
import path from 'node:path';
import { initCrypto } from '../../common/crypto';
import { DesktopCore } from '../../desktop/src/core/desktop-core';
import { FileKeyVault } from '../../desktop/src/core/keys/file-key-vault';

async function main(): Promise<void> {
  await initCrypto();
  const dir = process.argv[2]!;
  const core = await DesktopCore.open({
    dataDir: dir,
    vault: new FileKeyVault(path.join(dir, 'keys')),
    backoff: { initialMs: 20, maxMs: 200 },
  });
  if (!core) throw new Error(`no linked desktop in ${dir}`);
  let said = false;
  core.engine.onProgress((p) => {
    if (process.env.SYMC_CHILD_DEBUG)
      process.stderr.write(`${JSON.stringify({ c: p.connection, e: p.lastError, m: p.mode, primed: p.primed })}\n`);
    if (p.primed && !said) {
      said = true;
      process.stdout.write('primed\n');
    }
  });
  process.on('SIGTERM', () => void core.stop().then(() => process.exit(0)));
  await core.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
