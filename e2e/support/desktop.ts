import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ApiClient } from '../../common/contract';
import { DesktopCore } from '../../desktop/src/core/desktop-core';
import { FileKeyVault } from '../../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../../desktop/src/core/pairing/desktop-pairing';
import type { ParsedEvent } from '../../desktop/src/core/sync/event-applier';
import type { SyncProgress } from '../../desktop/src/core/sync/sync-progress';
import type { PhoneSession } from '../../mobile-pairing/src/core/account';
import { approvePairing, lookupPairing, parsePairingInput } from '../../mobile-pairing/src/core/pairing';

/** Links a desktop through the real QR flow: DesktopPairing shows, the phone library approves. */
export async function pairDesktop(
  serverUrl: string,
  phone: { session: PhoneSession; api: ApiClient },
  dir: string,
): Promise<FileKeyVault> {
  mkdirSync(dir, { recursive: true });
  const vault = new FileKeyVault(path.join(dir, 'keys'));
  const pairing = new DesktopPairing({ serverUrl, vault, deviceName: 'Test desktop', platform: 'linux' });
  let failure: unknown = null;
  const approved = new Promise<void>((resolve) => {
    pairing.subscribe((state) => {
      if (state.kind !== 'showing') return;
      lookupPairing(phone.api, parsePairingInput(state.link))
        .then((pending) => approvePairing(phone.api, phone.session, pending))
        .then(resolve, (error: unknown) => {
          failure = error;
          pairing.cancel();
          resolve();
        });
    });
  });
  const final = await pairing.start();
  await approved;
  if (failure) throw failure;
  if (final.kind !== 'paired') throw new Error(`pairing ended ${final.kind}`);
  return vault;
}

export async function openDesktop(
  dir: string,
  vault: FileKeyVault,
  budget?: { maxChats: number; maxBytes: number },
): Promise<DesktopCore> {
  const core = await DesktopCore.open({
    dataDir: dir,
    vault,
    backoff: { initialMs: 20, maxMs: 200 },
    ...(budget ? { budget } : {}),
  });
  if (!core) throw new Error('desktop is not linked');
  return core;
}

/** Links a fresh desktop by QR, opens its core recording every applied event into `events`, and waits for cache_primed. */
export async function linkAndSync(
  serverUrl: string,
  phone: { session: PhoneSession; api: ApiClient },
  dir: string,
  events: ParsedEvent[],
): Promise<DesktopCore> {
  const core = await openDesktop(dir, await pairDesktop(serverUrl, phone, dir));
  core.engine.onEvents((run) => events.push(...run));
  await core.start();
  await untilProgress(core, (p) => p.primed);
  return core;
}

/** Resolves when the engine's progress satisfies `predicate` (rejects after `ms`). */
export function untilProgress(
  core: DesktopCore,
  predicate: (p: SyncProgress) => boolean,
  ms = 30_000,
): Promise<SyncProgress> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`sync did not reach the expected state in ${ms} ms: ${JSON.stringify(core.engine.progress)}`));
    }, ms);
    const off = core.engine.onProgress((p) => {
      if (predicate(p)) {
        clearTimeout(timer);
        queueMicrotask(() => off());
        resolve(p);
      }
    });
  });
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
