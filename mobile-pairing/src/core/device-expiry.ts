/**
 * The Devices screen's line about inactivity expiry: the server unlinks a device unseen until `expiresAt`
 * (DEVICE_INACTIVITY_DAYS after it was last seen). Null: nothing to say (expiry off, or an older server).
 */
export function expiryText(expiresAt: string | null | undefined, now = Date.now()): string | null {
  if (!expiresAt) return null;
  const at = Date.parse(expiresAt);
  if (at <= now) return 'Unlinked soon: unused for too long';
  const date = new Date(at).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
  return `Unlinked on ${date} if not used before`;
}
