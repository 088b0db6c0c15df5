import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { RENDERER_CSP } from '../app/csp';
import { rendererContentType, rendererFileFor } from '../app/renderer-files';

/**
 * The renderer is served from app://symc/ (a privileged, standard, secure scheme) instead of file://, so
 * the page has a real origin, file:// gets no special powers, and every response carries our CSP header.
 */
export { APP_ORIGIN, APP_SCHEME, APP_URL, isAppUrl } from '../app/app-url';
import { APP_SCHEME } from '../app/app-url';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } },
  ]);
}

export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return new Response('not found', { status: 404 }); // a malformed escape names no file of ours
    }
    const file = rendererFileFor(rendererDir, pathname);
    if (url.host !== 'symc' || file === null) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), {
        headers: {
          'content-type': rendererContentType(file),
          'content-security-policy': RENDERER_CSP,
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
