/**
 * Where the Electron renderer lives: app://symc/ (a privileged, standard, secure scheme registered in
 * main). Plain module (no Electron import) so the checks below are unit-tested under Node.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'symc';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/**
 * Whether `url` is a page of our renderer. Compared by scheme and host, NOT by `new URL(url).origin`:
 * Node's URL parser (which main-process code uses) doesn't know Electron's scheme registration and gives
 * every app:// URL the opaque origin "null" — an origin comparison would refuse our own window.
 */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === ''
  );
}
