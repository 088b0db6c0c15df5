import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ApiClient, createApiClient } from '../../common/contract';
import { encryptUserSettings } from '../../common/content';
import { initCrypto } from '../../common/crypto';
import { DesktopCore } from '../../desktop/src/core/desktop-core';
import { FileKeyVault } from '../../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../../desktop/src/core/pairing/desktop-pairing';
import { readUserSettings } from '../../desktop/src/core/store/user-settings';
import type { SyncProgress } from '../../desktop/src/core/sync/sync-progress';
import { createAccount, type PhoneSession } from '../../mobile-pairing/src/core/account';
import { readMessage, sendText } from '../../mobile-pairing/src/core/chats';
import { approvePairing, lookupPairing, parsePairingInput } from '../../mobile-pairing/src/core/pairing';
import { loadConfig } from '../../server/src/config';
import { type RunningServer, startServer } from '../../server/src/server';
import { createSampleChats, LAST_OPENED_TITLE } from './sample-chats';
import { DemoFailure, kb, line, ms, plural, waitFor } from './print';

/**
 * `npm run demo`: the whole product flow, headless, in one process — a server on an embedded SQLite in a
 * temp dir, a phone account with sample chats, a desktop linked through the real QR link and approved by
 * the phone after one scan of the QR, the phased sync with its timings, one live message each way. Exit 0 when
 * all of it worked; otherwise exit 1 with one sentence saying what did not.
 */
const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 120_000);
const started = Date.now();
const work = mkdtempSync(path.join(os.tmpdir(), 'symc-demo-'));
let server: RunningServer | null = null;
let core: DesktopCore | null = null;

async function phone(
  serverUrl: string,
  username: string,
  name: string,
): Promise<{ session: PhoneSession; api: ApiClient }> {
  const session = await createAccount(createApiClient({ baseUrl: serverUrl }), {
    username,
    password: `${username}-demo-password`,
    device: { name: `${name}'s phone`, platform: 'ios' },
  });
  return { session, api: createApiClient({ baseUrl: serverUrl, accessToken: () => session.tokens.accessToken }) };
}

async function run(): Promise<void> {
  await initCrypto();
  line(`Symc demo — everything runs on 127.0.0.1; data in ${work}`);

  let t = Date.now();
  server = await startServer(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: path.join(work, 'server'), LOG_LEVEL: 'silent' }),
  );
  line(`1. Server   listening on ${server.url} (embedded SQLite)`, Date.now() - t);

  t = Date.now();
  const suffix = String(process.pid);
  const alex = await phone(server.url, `alex${suffix}`, 'Alex');
  const sam = await phone(server.url, `sam${suffix}`, 'Sam');
  const chats = await createSampleChats(alex, sam);
  const total = chats.reduce((n, c) => n + c.messages, 0);
  await alex.api.call('putSettings', {
    body: {
      ciphertext: encryptUserSettings(alex.session.masterKey, alex.session.userId, {
        theme: 'dark',
        notifications: 'mentions',
        sendOnEnter: true,
      }),
      baseVersion: 0,
    },
  });
  line(
    `2. Phone    signed up ${alex.session.username} (and friend ${sam.session.username}); ${chats.length} chats, ${total} messages, settings; last opened: "${LAST_OPENED_TITLE}"`,
    Date.now() - t,
  );

  t = Date.now();
  const desktopDir = path.join(work, 'desktop');
  const vault = new FileKeyVault(path.join(desktopDir, 'keys'));
  const pairing = new DesktopPairing({ serverUrl: server.url, vault, deviceName: 'Demo desktop', platform: 'linux' });
  let approval: Promise<void> = Promise.resolve();
  pairing.subscribe((state) => {
    if (state.kind !== 'showing') return;
    line(
      `   desktop shows QR ${state.link.slice(0, 48)}…  (no camera: pairing code ${state.pairingCode}, check code ${state.checkCode})`,
    );
    // The phone "scans" the link — one scan, nothing typed: the QR itself proves the desktop's screen.
    approval = lookupPairing(alex.api, parsePairingInput(state.link)).then((pending) =>
      approvePairing(alex.api, alex.session, pending),
    );
  });
  const final = await pairing.start();
  await approval;
  if (final.kind !== 'paired') throw new DemoFailure(`Pairing ended "${final.kind}" instead of linking the desktop.`);
  line(
    `3. Pairing  desktop linked as device ${final.deviceId.slice(0, 8)}…, approved on the phone after one scan`,
    Date.now() - t,
  );

  core = await DesktopCore.open({ dataDir: desktopDir, vault, backoff: { initialMs: 100, maxMs: 2000 } });
  if (!core) throw new DemoFailure('The desktop found no keys after pairing.');
  const desktop = core;
  // The names shown come from the directory (checked against each message's signature): the app fetches
  // them as it shows a chat; the demo prints from inside a progress callback, so it fetches them first.
  await desktop.reader.loadSenders([alex.session.userId, sam.session.userId]);
  line('4. Sync');
  const syncStarted = Date.now();
  const printed = new Set<string>();
  const describePhase = (p: SyncProgress, phase: 1 | 2 | 3, label: string) => {
    const s = p.phases[phase];
    line(
      `   phase ${phase}  ${label.padEnd(22)} ${plural(s.chats, 'chat', 3)} ${plural(s.messages, 'message', 5)} ${kb(s.bytes).padStart(9)}  ready at ${ms((s.doneAt ?? Date.now()) - syncStarted)}`,
    );
  };
  desktop.engine.onProblem((problem) => line(`   problem: ${problem.message}`));
  desktop.engine.onEvents((run) => {
    if (!run.some((e) => e.name === 'settings:sync') || printed.has('settings')) return;
    printed.add('settings');
    const settings = readUserSettings(desktop.store, desktop.session.masterKey, desktop.session.userId);
    line(
      `   settings (encrypted under the master key) ready at ${ms(Date.now() - syncStarted)}: ${JSON.stringify(settings)}`,
    );
  });
  desktop.engine.onProgress((p) => {
    const labels = { 1: 'last opened chat', 2: '10 most recent chats', 3: 'up to 100 chats' } as const;
    for (const phase of [1, 2, 3] as const) {
      if (p.phases[phase].state === 'done' && !printed.has(`p${phase}`)) {
        printed.add(`p${phase}`);
        describePhase(p, phase, labels[phase]);
        if (phase === 1) {
          const chatId = desktop.store.getState('last_opened_chat_id');
          const preview = chatId ? desktop.reader.messages(chatId, 3) : [];
          const title = chatId ? desktop.reader.chatList().find((c) => c.chatId === chatId)?.title : undefined;
          line(`            "${title ?? '?'}", decrypted in memory on the desktop:`);
          for (const m of preview) line(`              ${m.senderName}: ${m.text}`);
        }
      }
    }
    if (p.primed && !printed.has('primed')) {
      printed.add('primed');
      line(
        `   cache primed: ${desktop.store.stats(desktop.engine.getBudget()).messages} messages stored encrypted`,
        Date.now() - syncStarted,
      );
    }
  });
  await desktop.start();
  await waitFor(() => desktop.engine.progress.primed, 60_000, 'the phased sync to finish');
  if (desktop.reader.chatList().filter((c) => c.decryptable).length !== chats.length) {
    throw new DemoFailure('The desktop could not open every chat after the sync.');
  }

  line('5. Live');
  const lisbon = chats.find((c) => c.title === LAST_OPENED_TITLE)!;
  t = Date.now();
  const fromPhone = await sendText(
    alex.api,
    alex.session,
    lisbon.chatId,
    lisbon.key,
    'Just landed — see you at the flat!',
    'Alex',
  );
  await waitFor(
    () => desktop.store.getMessage(lisbon.chatId, fromPhone.messageId) !== null,
    15_000,
    'the phone’s message to reach the desktop',
  );
  const shown = desktop.reader.messages(lisbon.chatId).find((m) => m.messageId === fromPhone.messageId);
  line(`   phone → desktop   "${shown?.text}"`, Date.now() - t);

  t = Date.now();
  const { messageId } = await desktop.engine.outbox.send(lisbon.chatId, 'Typed on the desktop: the terrace is amazing');
  let onPhone: string | null = null;
  await waitFor(
    async () => {
      const page = await sam.api.call('listMessages', { params: { chatId: lisbon.chatId }, query: { limit: 10 } });
      const found = page.messages.find((m) => m.messageId === messageId);
      onPhone = found ? readMessage(found, lisbon.key).text : null;
      return onPhone !== null;
    },
    15_000,
    'the desktop’s message to reach the phone',
  );
  line(`   desktop → phone   "${onPhone}"`, Date.now() - t);

  const dbFile = DesktopCore.databaseFile(desktopDir);
  const onDisk = ['', '-wal']
    .map((s) => dbFile + s)
    .filter(existsSync)
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
  const leaks = ['Pastéis de nata', 'Just landed', 'terrace is amazing', LAST_OPENED_TITLE].filter((text) =>
    onDisk.includes(Buffer.from(text, 'utf8').toString('latin1')),
  );
  if (leaks.length > 0) throw new DemoFailure(`The desktop database holds plaintext (${leaks.join(', ')}).`);
  line('   local database: ciphertext only (plaintext probes: 0 hits)');
  line(`Demo finished OK in ${ms(Date.now() - started)}.`);
}

async function cleanUp(): Promise<void> {
  await core?.stop().catch(() => undefined);
  await server?.close().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

const deadline = setTimeout(() => {
  process.stderr.write(
    `The demo did not finish within ${ms(TIMEOUT_MS)}; something is stuck (see the last step printed above).\n`,
  );
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}, TIMEOUT_MS);

run().then(
  async () => {
    clearTimeout(deadline);
    await cleanUp();
    process.exit(0);
  },
  async (error: unknown) => {
    clearTimeout(deadline);
    const sentence =
      error instanceof DemoFailure ? error.message : `The demo failed: ${(error as Error).message ?? String(error)}`;
    process.stderr.write(`${sentence}\n`);
    await cleanUp();
    process.exit(1);
  },
);
