/** Writes build/icon.png from release/icon/draw-icon.ts. Run with `npm run icons`; commit the PNG. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { drawIcon, encodeIcon } from './icon/draw-icon';

const out = join(__dirname, '..', 'build', 'icon.png');
mkdirSync(join(out, '..'), { recursive: true });
const png = encodeIcon(drawIcon());
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
