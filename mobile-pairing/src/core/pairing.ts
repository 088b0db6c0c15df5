import {
  type ApiClient,
  type DeviceInfo,
  PairingCode,
  type PairingInfo,
  type PairingLink,
  PairingLinkError,
  parsePairingLink,
  type PairingBundle,
} from '../../../common/contract';
import { checkCodeFor, checkCodesEqual, decodePublicKey, normalizeCheckCode, sealJson, toBase64Url } from '../../../common/crypto';
import type { PhoneSession } from './account';

/** What the user gave the phone: a scanned or pasted link, or a typed pairing code. */
export type PairingInput = { readonly kind: 'link'; readonly link: PairingLink } | { readonly kind: 'code'; readonly code: string };

export class PairingRefused extends Error {
  constructor(
    readonly reason: 'check_code_mismatch' | 'key_mismatch' | 'not_pending' | 'bad_check_code' | 'wrong_server',
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
  throw new PairingLinkError('malformed', 'Paste the link from the desktop, or type the 8-character code shown under its QR code.');
}

export interface PendingPairing {
  readonly info: PairingInfo;
  /** The key the phone will seal to: from the QR when there was one, else as the server reported it. */
  readonly desktopPublicKey: string;
}

/**
 * Who is asking? Fetches the session's public info. With a link, the server's answer must name the same
 * key as the QR — a server that swaps in its own key is caught here, before anything is sealed.
 */
export async function lookupPairing(client: ApiClient, input: PairingInput): Promise<PendingPairing> {
  if (input.kind === 'link') {
    if (new URL(client.baseUrl).origin !== new URL(input.link.serverOrigin).origin) {
      throw new PairingRefused('wrong_server', `This desktop is linking to ${input.link.serverOrigin}, not to your server.`);
    }
    const info = await client.call('getPairingSession', { params: { pairingId: input.link.pairingId } });
    if (info.desktopPublicKey !== input.link.desktopPublicKey) {
      throw new PairingRefused('key_mismatch', 'The server reported a different desktop key than the QR code. Nothing was sent.');
    }
    return { info, desktopPublicKey: input.link.desktopPublicKey };
  }
  const info = await client.call('findPairingByCode', { params: { pairingCode: input.code } });
  return { info, desktopPublicKey: info.desktopPublicKey };
}

/** The check code the desktop must be showing, derived from the key the phone is about to seal to. */
export function expectedCheckCode(pending: PendingPairing): string {
  return checkCodeFor(decodePublicKey(pending.desktopPublicKey));
}

/**
 * Approve: the typed check code is compared locally first; on a mismatch nothing is sent (the server
 * would count it as an attempt). Then the master key is sealed to the desktop's key — the server only
 * ever sees the sealed box.
 */
export async function approvePairing(
  client: ApiClient,
  me: PhoneSession,
  pending: PendingPairing,
  typedCheckCode: string,
): Promise<void> {
  if (pending.info.status !== 'pending') {
    throw new PairingRefused('not_pending', `This pairing is ${pending.info.status}; show a new QR code on the desktop.`);
  }
  if (normalizeCheckCode(typedCheckCode) === null) {
    throw new PairingRefused('bad_check_code', 'Type the 6-digit code shown on the desktop.');
  }
  if (!checkCodesEqual(typedCheckCode, expectedCheckCode(pending))) {
    throw new PairingRefused(
      'check_code_mismatch',
      'That code does not match this desktop. Check that you scanned the code on your own screen.',
    );
  }
  const bundle: PairingBundle = {
    v: 1,
    userId: me.userId,
    username: me.username,
    masterKey: toBase64Url(me.masterKey),
  };
  await client.call('scanPairing', {
    body: {
      pairingId: pending.info.pairingId,
      decision: 'approve',
      checkCode: typedCheckCode,
      sealedBundle: sealJson(bundle, decodePublicKey(pending.desktopPublicKey)),
    },
  });
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
