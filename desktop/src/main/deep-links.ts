/** symc:// links: on macOS they arrive as 'open-url'; on Windows/Linux as an argument of a (second) instance. */
export const LINK_SCHEME = 'symc';
const MAX_LINK = 2048;

export function isSymcLink(value: string): boolean {
  return value.length <= MAX_LINK && /^symc:\/\//i.test(value);
}

/** The first symc:// link in a command line, if any (Chromium may add its own flags around it). */
export function symcLinkFrom(argv: readonly string[]): string | null {
  return argv.find(isSymcLink) ?? null;
}
