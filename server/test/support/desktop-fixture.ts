import { randomId } from '../../../common/crypto';
import type { ApiClient } from '../../../common/contract';
import { openSession } from '../../src/modules/accounts/tokens';
import type { TestServer } from './test-server';

/**
 * A linked desktop device for tests of the device rules, created directly in the database. The real
 * route to a desktop device is QR pairing (its own tests); this fixture only saves those steps here.
 */
export async function linkDesktopDirectly(
  server: TestServer,
  userId: string,
): Promise<{ deviceId: string; accessToken: string; api: ApiClient }> {
  const { db, config } = server.server.deps;
  const deviceId = randomId();
  const tokens = await db.$transaction(async (tx) => {
    await tx.device.create({
      data: { id: deviceId, userId, kind: 'desktop', name: 'Test desktop', platform: 'linux' },
    });
    return openSession(tx, deviceId, config);
  });
  return { deviceId, accessToken: tokens.accessToken, api: server.client(() => tokens.accessToken) };
}
