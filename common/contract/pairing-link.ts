import { z } from 'zod';
import { Base64UrlKey, Id } from './primitives';

/**
 * The QR payload: `symc://pair?v=2&id=<pairingId>&k=<desktop public key>&s=<server origin>&t=<QR secret>`.
 * Small on purpose (≈180 characters) so the code scans at low density. The poll token is never in it.
 *
 * `t` is 16 random bytes the desktop makes for this QR and never sends to the server: the phone echoes it
 * inside the bundle it seals to `k`, which is how the desktop knows the bundle comes from a phone that
 * read its screen (the server, which knows `k`, could otherwise seal a bundle of its own).
 * Version 1 (no `t`, a check code derived from `k`) is refused with a sentence saying which side to update.
 */
export const PAIRING_LINK_VERSION = 2;

export interface PairingLink {
  readonly version: 2;
  readonly pairingId: string;
  readonly desktopPublicKey: string;
  readonly serverOrigin: string;
  readonly qrSecret: string;
}

export class PairingLinkError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unsupported_version' | 'bad_key' | 'bad_server',
    message: string,
  ) {
    super(message);
    this.name = 'PairingLinkError';
  }
}

export function buildPairingLink(link: Omit<PairingLink, 'version'>): string {
  const query = new URLSearchParams({
    v: String(PAIRING_LINK_VERSION),
    id: link.pairingId,
    k: link.desktopPublicKey,
    s: link.serverOrigin,
    t: link.qrSecret,
  });
  return `symc://pair?${query.toString()}`;
}

const Origin = z.url().refine((u) => /^https?:\/\/[^/?#]+$/.test(u), 'must be an http(s) origin');

/** Parses what a phone scanned or the user pasted. Every failure says, in words, what is wrong. */
export function parsePairingLink(text: string): PairingLink {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new PairingLinkError('malformed', 'This is not a Symc pairing link.');
  }
  if (url.protocol !== 'symc:' || (url.hostname !== 'pair' && url.pathname.replace(/^\/+/, '') !== 'pair')) {
    throw new PairingLinkError('malformed', 'This is not a Symc pairing link.');
  }
  const version = url.searchParams.get('v');
  if (version !== String(PAIRING_LINK_VERSION)) {
    throw new PairingLinkError('unsupported_version', unsupportedVersion(version));
  }
  const id = Id.safeParse(url.searchParams.get('id'));
  if (!id.success) throw new PairingLinkError('malformed', 'This pairing link has no valid session id.');
  const key = Base64UrlKey.safeParse(url.searchParams.get('k'));
  if (!key.success) throw new PairingLinkError('bad_key', 'The desktop key in this pairing link is not valid.');
  const origin = Origin.safeParse(url.searchParams.get('s'));
  if (!origin.success)
    throw new PairingLinkError('bad_server', 'The server address in this pairing link is not valid.');
  const secret = QrSecret.safeParse(url.searchParams.get('t'));
  if (!secret.success)
    throw new PairingLinkError('malformed', 'This pairing link has no valid secret; scan the QR code again.');
  return {
    version: 2,
    pairingId: id.data,
    desktopPublicKey: key.data,
    serverOrigin: origin.data,
    qrSecret: secret.data,
  };
}

/** 16 bytes, base64url. */
export const QrSecret = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

function unsupportedVersion(version: string | null): string {
  if (version === null) return 'This pairing link has no version.';
  const n = Number(version);
  if (Number.isInteger(n) && n < PAIRING_LINK_VERSION) {
    return `This pairing link comes from an older Symc desktop (pairing version ${version}; this phone needs version ${PAIRING_LINK_VERSION}). Update Symc on the desktop.`;
  }
  return `This pairing link is version ${version}; this app understands version ${PAIRING_LINK_VERSION}. Update the app on this phone.`;
}
