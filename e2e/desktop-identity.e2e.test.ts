import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import type { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { loadCredentials, saveCredentials } from '../desktop/src/core/session/credentials';
import { sendText, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop, untilProgress } from './support/desktop';

/**
 * A chat another user starts with us reaches our devices by sealed key: a desktop opens it with the
 * account's identity key. The desktop gets that key at pairing (with the confirm) and keeps it with its
 * credentials, so its first sync never waits for a second request — and credentials saved by an older
 * build (without it) still work: the core fetches it once and keeps it.
 */
describe("the desktop's identity key", () => {
  let server: TestServer;
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    alice = await signUpPhone(server, 'idalice');
    const bob = await signUpPhone(server, 'idbob');
    const { chat, chatKey } = await startChat(bob.api, bob.session, {
      title: 'From Bob',
      memberUsernames: [alice.session.username],
    });
    chatId = chat.chatId;
    await sendText(bob.api, bob.session, chatId, chatKey, 'sealed for alice');
  });
  afterAll(async () => {
    for (const core of cores) await core.stop();
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function linkedDesktop(): Promise<{ dir: string; vault: FileKeyVault }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-identity-'));
    dirs.push(dir);
    return { dir, vault: await pairDesktop(server.url, alice, dir) };
  }

  /** A core whose requests are recorded; `/me` answers 503 when `refuseMe`. */
  async function open(
    dir: string,
    vault: FileKeyVault,
    refuseMe: boolean,
  ): Promise<{ core: DesktopCore; paths: string[] }> {
    const paths: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      paths.push(url.pathname);
      if (refuseMe && url.pathname === '/me')
        return new Response('{"error":{"code":"unavailable","message":"down"}}', { status: 503 });
      return fetch(input, init);
    };
    const core = await DesktopCore.open({
      dataDir: dir,
      vault,
      fetch: recording,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    if (!core) throw new Error('not linked');
    cores.push(core);
    return { core, paths };
  }

  const shown = (core: DesktopCore) => ({
    title: core.reader.chatList().find((c) => c.chatId === chatId)?.title,
    texts: core.reader.messages(chatId).map((m) => m.text),
  });

  it('comes with the pairing: the sealed-key chat opens without asking the server for it', async () => {
    const { dir, vault } = await linkedDesktop();
    const { core, paths } = await open(dir, vault, true);
    await core.start();
    await untilProgress(core, (p) => p.primed);
    expect(shown(core)).toEqual({ title: 'From Bob', texts: ['sealed for alice'] });
    expect(paths).not.toContain('/me');
  });

  it('credentials of an older build (no identity) fetch it once, then keep it', async () => {
    const { dir, vault } = await linkedDesktop();
    const { identity: _dropped, ...older } = (await loadCredentials(vault))!;
    await saveCredentials(vault, older);

    const { core, paths } = await open(dir, vault, false);
    await core.start();
    await untilProgress(core, (p) => p.primed);
    expect(shown(core)).toEqual({ title: 'From Bob', texts: ['sealed for alice'] });
    expect(paths.filter((p) => p === '/me')).toHaveLength(1);
    expect((await loadCredentials(vault))?.identity).toEqual(_dropped);
  });
});
