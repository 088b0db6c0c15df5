import {
  type ApiClient,
  type DeviceInfo,
  PAIRING_PROTOCOL,
  PairingCode,
  type PairingHandover,
  type PairingInfo,
  type PairingLink,
  PairingLinkError,
  type PairingStatus,
  parsePairingLink,
  type PairingBundle,
} from '../../../common/contract';
import {
  decodePublicKey,
  normalizeCheckCode,
  sealJson,
  sealWithCheckCode,
  toBase64Url,
  utf8,
} from '../../../common/crypto';
import type { PhoneSession } from './account';

/** What the user gave the phone: a scanned or pasted link, or a typed pairing code. */
export type PairingInput =
  { readonly kind: 'link'; readonly link: PairingLink } | { readonly kind: 'code'; readonly code: string };

export class PairingRefused extends Error {
  constructor(
    readonly reason: 'key_mismatch' | 'not_pending' | 'bad_check_code' | 'wrong_server' | 'desktop_outdated',
    message: string,
  ) {
    super(message);
    this.name = 'PairingRefused';
  }
}

/** Accepts a `symc://pair?...` link or a code like "ABCD-EFGH"; anything else is a PairingLinkError. */
export function parsePairingInput(text: string): PairingInput {
  const trimmed = text.trim();
  if (/^symc:/i.test(trimmed)) return { kind: 'link', link: parsePairingLink(trimmed) };
  const code = PairingCode.safeParse(trimmed);
  if (code.success) return { kind: 'code', code: code.data };
  throw new PairingLinkError(
    'malformed',
    'Paste the link from the desktop, or type the 8-character code shown under its QR code.',
  );
}

/**
 * A desktop's request as the phone will answer it. From a QR/link: the key and the QR secret come from the
 * desktop's screen (the server's copy of the key must match). From a typed code: only the CPace share,
 * which is worth nothing to the server without the check code the user types next.
 */
export type PendingPairing =
  | { readonly via: 'link'; readonly info: PairingInfo; readonly link: PairingLink }
  | { readonly via: 'code'; readonly info: PairingInfo; readonly pake: NonNullable<PairingInfo['pake']> };

const protocol = { v: String(PAIRING_PROTOCOL) };

/**
 * Who is asking? Fetches the session's public info. With a link, the server's answer must name the same
 * key as the QR — a server that swaps in its own key is caught here, before anything is sealed.
 */
export async function lookupPairing(client: ApiClient, input: PairingInput): Promise<PendingPairing> {
  if (input.kind === 'link') {
    if (new URL(client.baseUrl).origin !== new URL(input.link.serverOrigin).origin) {
      throw new PairingRefused(
        'wrong_server',
        `This desktop is linking to ${input.link.serverOrigin}, not to your server.`,
      );
    }
    const info = await client.call('getPairingSession', {
      params: { pairingId: input.link.pairingId },
      query: protocol,
    });
    if (info.pairingId !== input.link.pairingId || info.desktopPublicKey !== input.link.desktopPublicKey) {
      throw new PairingRefused(
        'key_mismatch',
        'The server reported a different desktop key than the QR code. Nothing was sent.',
      );
    }
    return { via: 'link', info, link: input.link };
  }
  const info = await client.call('findPairingByCode', { params: { pairingCode: input.code }, query: protocol });
  if (!info.pake) {
    throw new PairingRefused(
      'desktop_outdated',
      'This desktop runs an older Symc that can’t link by code with this phone. Update Symc on the desktop.',
    );
  }
  return { via: 'code', info, pake: info.pake };
}

/** The typed-code path needs the check code the desktop shows; a scanned QR already proves the screen. */
export function needsCheckCode(pending: PendingPairing): boolean {
  return pending.via === 'code';
}

/**
 * Approve. QR: the bundle (with the QR's secret) is sealed to the key read from the QR. Typed code: CPace
 * keyed by the typed check code, and the bundle encrypted under the key it yields — a wrong code is found
 * out by the desktop, which can't open it (the phone can't check the code: nothing it holds derives it).
 * Either way the server only ever sees ciphertext it can't open.
 */
export async function approvePairing(
  client: ApiClient,
  me: PhoneSession,
  pending: PendingPairing,
  typedCheckCode?: string,
): Promise<void> {
  if (pending.info.status !== 'pending') {
    throw new PairingRefused(
      'not_pending',
      `This pairing is ${pending.info.status}; show a new QR code on the desktop.`,
    );
  }
  const bundle: PairingBundle = {
    v: 2,
    pairingId: pending.info.pairingId,
    userId: me.userId,
    username: me.username,
    masterKey: toBase64Url(me.masterKey),
    ...(pending.via === 'link' ? { qrSecret: pending.link.qrSecret } : {}),
  };
  let handover: PairingHandover;
  if (pending.via === 'link') {
    handover = { method: 'qr', sealedBundle: sealJson(bundle, decodePublicKey(pending.link.desktopPublicKey)) };
  } else {
    if (typedCheckCode === undefined || normalizeCheckCode(typedCheckCode) === null) {
      throw new PairingRefused('bad_check_code', 'Type the 6-digit check code shown on the desktop.');
    }
    const transcript = {
      pairingId: pending.info.pairingId,
      desktopPublicKey: pending.info.desktopPublicKey,
      sid: pending.pake.sid,
    };
    const sealed = sealWithCheckCode(
      typedCheckCode,
      transcript,
      pending.pake.share,
      utf8.encode(JSON.stringify(bundle)),
    );
    handover = { method: 'code', phoneShare: sealed.phoneShare, sealedBundle: sealed.box };
  }
  await client.call('scanPairing', { body: { pairingId: pending.info.pairingId, decision: 'approve', handover } });
}

/** How an approval ended, as the desktop reported it. `rejected`: the desktop's code didn't match. */
export type PairingOutcome = 'linked' | 'rejected' | 'expired' | 'unknown';

/**
 * After approving: wait (polling) until the desktop took the hand-over (`consumed`) or reported that it
 * couldn't open it (`rejected`). Informational — the server could lie here; what protects the keys is
 * the cryptography above, not this answer.
 */
export async function awaitPairingOutcome(
  client: ApiClient,
  pending: PendingPairing,
  options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<PairingOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const intervalMs = options.intervalMs ?? 400;
  for (;;) {
    const { status } = await client.call(
      'getPairingSession',
      { params: { pairingId: pending.info.pairingId }, query: protocol },
      options.signal ? { signal: options.signal } : {},
    );
    const outcome = outcomeOf(status);
    if (outcome) return outcome;
    if (Date.now() >= deadline || options.signal?.aborted) return 'unknown';
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function outcomeOf(status: PairingStatus): PairingOutcome | null {
  switch (status) {
    case 'consumed':
      return 'linked';
    case 'rejected':
      return 'rejected';
    case 'expired':
    case 'denied':
    case 'cancelled':
      return 'expired';
    default:
      return null;
  }
}

export async function denyPairing(client: ApiClient, pending: PendingPairing): Promise<void> {
  await client.call('scanPairing', { body: { pairingId: pending.info.pairingId, decision: 'deny' } });
}

export async function listLinkedDevices(client: ApiClient): Promise<DeviceInfo[]> {
  return (await client.call('listDevices', {})).devices;
}

/** Unlink: the device's tokens die at once; its streams are told `device:revoked` and it wipes itself. */
export async function unlinkDevice(client: ApiClient, deviceId: string): Promise<void> {
  await client.call('revokeDevice', { params: { deviceId } });
}
