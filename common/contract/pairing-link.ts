import { z } from 'zod';
import { Base64UrlKey, Id } from './primitives';

/**
 * The QR payload: `symc://pair?v=1&id=<pairingId>&k=<desktop public key>&s=<server origin>`.
 * Small on purpose (≈150 characters) so the code scans at low density. The poll token is never in it.
 */
export const PAIRING_LINK_VERSION = 1;

export interface PairingLink {
  readonly version: 1;
  readonly pairingId: string;
  readonly desktopPublicKey: string;
  readonly serverOrigin: string;
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
    throw new PairingLinkError(
      'unsupported_version',
      version === null
        ? 'This pairing link has no version.'
        : `This pairing link is version ${version}; this app understands version ${PAIRING_LINK_VERSION}. Update the app.`,
    );
  }
  const id = Id.safeParse(url.searchParams.get('id'));
  if (!id.success) throw new PairingLinkError('malformed', 'This pairing link has no valid session id.');
  const key = Base64UrlKey.safeParse(url.searchParams.get('k'));
  if (!key.success) throw new PairingLinkError('bad_key', 'The desktop key in this pairing link is not valid.');
  const origin = Origin.safeParse(url.searchParams.get('s'));
  if (!origin.success) throw new PairingLinkError('bad_server', 'The server address in this pairing link is not valid.');
  return { version: 1, pairingId: id.data, desktopPublicKey: key.data, serverOrigin: origin.data };
}
