import { initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { signUpPhone } from './support/phone';
import { openSse } from './support/sse-client';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ SYNC_BATCH_MESSAGES: '10' });
});
afterAll(() => server.stop());

it('a completed fresh sync: one structured log line (device, phase times, messages, bytes — no content) and the phase metrics', async () => {
  const phone = await signUpPhone(server, 'synclog');
  const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'log me', memberUsernames: [] });
  const sent = [];
  for (let n = 0; n < 25; n++) sent.push(await sendText(phone.api, phone.session, chat.chatId, chatKey, `secret ${n}`));
  const desktop = await linkDesktopDirectly(server, phone.session.userId);

  const stream = await openSse(server.url, '', { authorization: `Bearer ${desktop.accessToken}` });
  for (;;) if ((await stream.next(20_000)).event === 'cache_primed') break;
  stream.close();

  const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
  const done = lines.filter((l) => l.msg === 'fresh sync completed');
  expect(done).toHaveLength(1);
  expect(done[0]).toMatchObject({
    deviceId: desktop.deviceId,
    resumed: false,
    messages: 25,
    ciphertextBytes: sent.reduce((n, m) => n + m.ciphertext.length, 0),
  });
  const phaseMs = done[0]!.phaseMs as Record<string, number>;
  expect(Object.keys(phaseMs).sort()).toEqual(['2', '3']);
  expect(done[0]!.wireBytes).toBeGreaterThan(done[0]!.ciphertextBytes as number);
  expect(typeof done[0]!.totalMs).toBe('number');
  for (const m of sent) expect(server.logs.join('\n')).not.toContain(m.ciphertext);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/symc_sync_phase_completed_total\{phase="2"\} 1/);
  expect(metrics).toMatch(/symc_sync_phase_completed_total\{phase="3"\} 1/);
  expect(metrics).toMatch(/symc_sync_phase_duration_seconds_count\{phase="2"\} 1/);
  expect(metrics).toMatch(/symc_fresh_sync_preparations_total\{outcome="none"\} 1/);
});
