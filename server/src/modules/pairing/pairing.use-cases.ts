import { randomId, randomToken, sha256Hex } from '../../../../common/crypto';
import {
  PAIRING_PROTOCOL,
  type api,
  type BodyOf,
  type PairingHandover,
  type PairingInfo,
  type PairingStatus,
  type QueryOf,
  type ResponseOf,
} from '../../../../common/contract';
import { AppError, errors } from '../../errors';
import type { AuthContext } from '../../http/authenticate';
import type { ServerDeps } from '../../server-deps';
import { openSession } from '../accounts/tokens';
import { appendChange } from '../changes/change-log';
import { formatPairingCode, newPairingCode } from './pairing-code';

type Deps = Pick<ServerDeps, 'db' | 'config' | 'changes' | 'pairingEvents'>;

type Row = NonNullable<Awaited<ReturnType<ServerDeps['db']['pairingSession']['findUnique']>>>;

/** Stored status plus the clock: a pending or approved session past its expiry is expired. */
export function effectiveStatus(row: Row, now = Date.now()): PairingStatus {
  if ((row.status === 'pending' || row.status === 'approved') && row.expiresAt.getTime() <= now) return 'expired';
  return row.status as PairingStatus;
}

function toInfo(row: Row): PairingInfo {
  return {
    pairingId: row.id,
    pairingCode: formatPairingCode(row.pairingCode),
    desktopPublicKey: row.desktopPublicKey,
    pake: row.pakeSid && row.pakeShare ? { sid: row.pakeSid, share: row.pakeShare } : null,
    deviceName: row.deviceName,
    platform: row.platform as PairingInfo['platform'],
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    status: effectiveStatus(row),
  };
}

const GONE_MESSAGES: Partial<Record<PairingStatus, string>> = {
  expired: 'this pairing code has expired; show a new QR code on the desktop',
  denied: 'this pairing was denied on the phone',
  cancelled: 'this pairing was cancelled',
  rejected: 'the desktop could not open what the phone sent (the check code did not match); it shows a new code',
  consumed: 'this pairing code was used already',
};

/**
 * Protocol-1 clients get a sentence saying which side to update — as a 410 `gone`, a code they know (an
 * error code they don't know would read as "an answer this app does not understand").
 */
const outdated = {
  desktop: () =>
    new AppError(
      'gone',
      `this Symc desktop app uses pairing protocol 1; the server needs protocol ${PAIRING_PROTOCOL}: update Symc on this computer`,
      410,
    ),
  phone: () =>
    new AppError(
      'gone',
      `this Symc phone app uses pairing protocol 1; the desktop needs protocol ${PAIRING_PROTOCOL}: update the Symc app on this phone`,
      410,
    ),
};

function requireProtocol(query: QueryOf<typeof api.getPairingSession>): void {
  if (query.v !== String(PAIRING_PROTOCOL)) throw outdated.phone();
}

function handoverOf(row: Row): PairingHandover | undefined {
  if (!row.sealedBundle) return undefined;
  if (row.handoverMethod === 'qr') return { method: 'qr', sealedBundle: row.sealedBundle };
  if (row.handoverMethod === 'code' && row.phoneShare)
    return { method: 'code', phoneShare: row.phoneShare, sealedBundle: row.sealedBundle };
  return undefined;
}

export async function createSession(
  deps: Deps,
  body: BodyOf<typeof api.createPairingSession>,
  requestOrigin: string,
): Promise<ResponseOf<typeof api.createPairingSession>> {
  if (!body.pake) throw outdated.desktop();
  const pake = body.pake;
  const now = Date.now();
  // Housekeeping: expired sessions are worthless after an hour (kept that long for clear error messages).
  await deps.db.pairingSession.deleteMany({ where: { expiresAt: { lt: new Date(now - 3600_000) } } });
  const pollToken = randomToken();
  const expiresAt = new Date(now + deps.config.pairingTtlSeconds * 1000);
  for (let attempt = 0; ; attempt++) {
    const pairingCode = newPairingCode();
    try {
      const row = await deps.db.pairingSession.create({
        data: {
          id: randomId(),
          pollTokenHash: sha256Hex(pollToken),
          pairingCode,
          desktopPublicKey: body.desktopPublicKey,
          pakeSid: pake.sid,
          pakeShare: pake.share,
          deviceName: body.deviceName,
          platform: body.platform,
          status: 'pending',
          expiresAt,
        },
      });
      return {
        pairingId: row.id,
        pollToken,
        pairingCode: formatPairingCode(pairingCode),
        expiresAt: expiresAt.toISOString(),
        serverOrigin: deps.config.publicUrl ?? requestOrigin,
      };
    } catch (error) {
      // A 40-bit code collision with a live session is rare; try another code.
      if (attempt >= 3) throw error;
    }
  }
}

async function findOr404(deps: Deps, pairingId: string): Promise<Row> {
  const row = await deps.db.pairingSession.findUnique({ where: { id: pairingId } });
  if (!row) throw errors.notFound('pairing session');
  return row;
}

export async function getInfo(
  deps: Deps,
  pairingId: string,
  query: QueryOf<typeof api.getPairingSession>,
): Promise<PairingInfo> {
  requireProtocol(query);
  return toInfo(await findOr404(deps, pairingId));
}

export async function findByCode(
  deps: Deps,
  pairingCode: string,
  query: QueryOf<typeof api.findPairingByCode>,
): Promise<PairingInfo> {
  requireProtocol(query);
  const row = await deps.db.pairingSession.findUnique({ where: { pairingCode } });
  if (!row) throw errors.notFound('pairing code');
  return toInfo(row);
}

/**
 * The phone's answer. Approval requires: a pending, unexpired session (approved once only), a signed-in
 * phone (enforced by the route) and room under the device cap. The server can't check the code — it
 * never sees it; the desktop does, by opening the hand-over. One approval per session is the server's
 * share of the attempt limit: each session is one guess, and the desktop caps the sessions that fail.
 */
export async function scan(
  deps: Deps,
  auth: AuthContext,
  body: BodyOf<typeof api.scanPairing>,
): Promise<ResponseOf<typeof api.scanPairing>> {
  const row = await findOr404(deps, body.pairingId);
  const status = effectiveStatus(row);
  if (status === 'approved' || status === 'consumed') throw errors.conflict('this pairing was approved already');
  if (status !== 'pending') throw errors.gone(GONE_MESSAGES[status] ?? 'this pairing is no longer valid');

  if (body.decision === 'deny') {
    await deps.db.pairingSession.updateMany({ where: { id: row.id, status: 'pending' }, data: { status: 'denied' } });
    deps.pairingEvents.changed(row.id);
    return { status: 'denied' };
  }
  if (!row.pakeSid)
    throw new AppError('gone', 'this desktop opened its pairing with protocol 1; update Symc on the desktop', 410);

  const active = await deps.db.device.count({ where: { userId: auth.userId, revokedAt: null } });
  if (active >= deps.config.maxLinkedDevices) throw errors.deviceLimit(deps.config.maxLinkedDevices);

  // Conditional update: of two concurrent approvals exactly one wins.
  const approvedAt = new Date();
  const updated = await deps.db.pairingSession.updateMany({
    where: { id: row.id, status: 'pending' },
    data: {
      status: 'approved',
      approvedAt,
      approvedByUserId: auth.userId,
      handoverMethod: body.handover.method,
      phoneShare: body.handover.method === 'code' ? body.handover.phoneShare : null,
      sealedBundle: body.handover.sealedBundle,
      // The desktop gets a full TTL from approval to confirm, however late in the QR's life the scan was.
      expiresAt: new Date(approvedAt.getTime() + deps.config.pairingTtlSeconds * 1000),
    },
  });
  if (updated.count === 0) throw errors.conflict('this pairing was approved already');
  deps.pairingEvents.changed(row.id);
  return { status: 'approved' };
}

async function findForDesktop(deps: Deps, pairingId: string, pollToken: string): Promise<Row> {
  const row = await findOr404(deps, pairingId);
  if (row.pollTokenHash !== sha256Hex(pollToken)) throw errors.forbidden('wrong poll token for this pairing');
  return row;
}

export async function wait(
  deps: Deps,
  body: BodyOf<typeof api.waitForPairing>,
  signal: AbortSignal,
): Promise<ResponseOf<typeof api.waitForPairing>> {
  const row = await findForDesktop(deps, body.pairingId, body.pollToken);
  if (effectiveStatus(row) === 'pending' && !body.peek) {
    const untilExpiry = row.expiresAt.getTime() - Date.now();
    const ms = Math.max(0, Math.min(deps.config.pairingWaitSeconds * 1000, untilExpiry + 50));
    // Listen first, then look again: an approval that landed (on any instance) between the first read
    // and the subscription would otherwise be slept through until the long-poll times out.
    const stop = new AbortController();
    const changed = deps.pairingEvents.waitForChange(row.id, ms, AbortSignal.any([signal, stop.signal]));
    if (effectiveStatus(await findOr404(deps, row.id)) !== 'pending') stop.abort();
    await changed;
  }
  const now = await findOr404(deps, row.id);
  const status = effectiveStatus(now);
  const handover = status === 'approved' ? handoverOf(now) : undefined;
  return handover ? { status, handover } : { status };
}

/**
 * The desktop could not open the hand-over. The session ends here (one approval per session): the phone
 * sees `rejected`, the hand-over is erased, and no device exists — the desktop confirms only what opens.
 */
export async function reject(
  deps: Deps,
  body: BodyOf<typeof api.rejectPairing>,
): Promise<ResponseOf<typeof api.rejectPairing>> {
  const row = await findForDesktop(deps, body.pairingId, body.pollToken);
  const updated = await deps.db.pairingSession.updateMany({
    where: { id: row.id, status: 'approved' },
    data: { status: 'rejected', sealedBundle: null, phoneShare: null },
  });
  if (updated.count === 0) {
    const status = effectiveStatus(row);
    throw status === 'pending'
      ? errors.conflict('nothing to reject: the phone has not answered')
      : errors.gone(GONE_MESSAGES[status] ?? 'this pairing is no longer valid');
  }
  deps.pairingEvents.changed(row.id);
  return { status: 'rejected' };
}

/**
 * Single use: the approved session is consumed in the same transaction that creates the desktop device
 * and its tokens, and the hand-over (which the desktop already opened) is erased from the server.
 */
export async function confirm(
  deps: Deps,
  body: BodyOf<typeof api.confirmPairing>,
): Promise<ResponseOf<typeof api.confirmPairing>> {
  const row = await findForDesktop(deps, body.pairingId, body.pollToken);
  const status = effectiveStatus(row);
  if (status === 'pending') return { status: 'pending' };
  if (status !== 'approved' || !row.sealedBundle || !row.approvedByUserId) {
    throw errors.gone(GONE_MESSAGES[status] ?? 'this pairing is no longer valid');
  }
  const userId = row.approvedByUserId;
  const deviceId = randomId();
  const { tokens, linked } = await deps.db.$transaction(async (tx) => {
    const consumed = await tx.pairingSession.updateMany({
      where: { id: row.id, status: 'approved' },
      data: {
        status: 'consumed',
        consumedAt: new Date(),
        sealedBundle: null,
        phoneShare: null,
        desktopDeviceId: deviceId,
      },
    });
    if (consumed.count === 0) throw errors.gone(GONE_MESSAGES.consumed!);
    const active = await tx.device.count({ where: { userId, revokedAt: null } });
    if (active >= deps.config.maxLinkedDevices) throw errors.deviceLimit(deps.config.maxLinkedDevices);
    await tx.device.create({
      data: { id: deviceId, userId, kind: 'desktop', name: row.deviceName, platform: row.platform },
    });
    // The account's other devices learn of it at once (a phone's list of linked devices).
    const linked = await appendChange(tx, [userId], { kind: 'device:linked', entityId: deviceId });
    // Read in the transaction: nothing after the commit may fail a handover that is already consumed.
    const identity = await tx.user.findUniqueOrThrow({
      where: { id: userId },
      select: {
        identityPublicKey: true,
        wrappedIdentitySecretKey: true,
        signingPublicKey: true,
        wrappedSigningSecretKey: true,
      },
    });
    return { tokens: { ...(await openSession(tx, deviceId, deps.config)), ...identity }, linked };
  });
  deps.changes.publish(linked);
  deps.pairingEvents.changed(row.id);
  // The sync module prepares the new desktop's first sync while it opens its keys and store.
  deps.pairingEvents.desktopLinked({ userId, deviceId });
  return { status: 'approved', userId, deviceId, ...tokens };
}
