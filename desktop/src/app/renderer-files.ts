import path from 'node:path';

/**
 * The built renderer's files as both shells serve them (Electron's app:// protocol, the headless host):
 * which file a request names, and the content type it is sent with.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The content type a renderer file is sent with (by its extension; unknown ones as bytes). */
export function rendererContentType(file: string): string {
  return TYPES[path.extname(file)] ?? 'application/octet-stream';
}

/**
 * The file under `rendererDir` that `requestPath` (a URL path, already decoded as the caller wants)
 * names, or null when it would resolve outside the directory (`..`, or the directory itself): nothing
 * else on disk is ever served.
 */
export function rendererFileFor(rendererDir: string, requestPath: string): string | null {
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `./${requestPath}`);
  return file.startsWith(root + path.sep) ? file : null;
}
