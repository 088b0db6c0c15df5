import path from 'node:path';

/** Where `npm run build:desktop` puts what the headless host serves. */
export const DESKTOP_DIST = path.resolve(__dirname, '../../dist');
export const RENDERER_DIR = path.join(DESKTOP_DIST, 'renderer');
export const BRIDGE_FILE = path.join(DESKTOP_DIST, 'headless/symc-bridge.js');
