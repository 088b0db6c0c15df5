/**
 * The Symc app icon, drawn procedurally: a rounded square with an indigo→cyan gradient, a white speech
 * bubble, and a padlock cut in the gradient colour. Shapes are signed distance fields, so every edge is
 * anti-aliased analytically (coverage = 0.5 − distance, in pixels) without supersampling.
 *
 * The master is 1024×1024 with Apple's icon grid margin (the body is 824 px, ~100 px transparent margin);
 * electron-builder derives .icns, .ico and the Linux icon set from it on the release machine.
 * Regenerate with `npm run icons`; release/electron-builder-config.test.ts checks build/icon.png is current.
 */
import { PNG } from 'pngjs';

// Local bindings: inside jest's vm sandbox every global lookup (Math.*) goes through a slow interceptor.
const { abs, hypot, max, min, round, sqrt } = Math;

export const ICON_SIZE = 1024;

type Vec = readonly [number, number];
type Rgb = readonly [number, number, number];

const GRADIENT_FROM: Rgb = [0x4f, 0x46, 0xe5]; // indigo, top left
const GRADIENT_TO: Rgb = [0x06, 0xb6, 0xd4]; // cyan, bottom right
const WHITE: Rgb = [0xff, 0xff, 0xff];

function roundedBox(p: Vec, center: Vec, half: Vec, radius: number): number {
  const qx = abs(p[0] - center[0]) - half[0] + radius;
  const qy = abs(p[1] - center[1]) - half[1] + radius;
  const outside = hypot(max(qx, 0), max(qy, 0));
  return outside + min(max(qx, qy), 0) - radius;
}

function circle(p: Vec, center: Vec, radius: number): number {
  return hypot(p[0] - center[0], p[1] - center[1]) - radius;
}

/** Signed distance to a convex or concave polygon (Inigo Quilez's sdPolygon). */
function polygon(p: Vec, vertices: readonly Vec[]): number {
  const first = vertices[0] as Vec;
  let d = (p[0] - first[0]) ** 2 + (p[1] - first[1]) ** 2;
  let sign = 1;
  for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i, i += 1) {
    const vi = vertices[i] as Vec;
    const vj = vertices[j] as Vec;
    const ex = vj[0] - vi[0];
    const ey = vj[1] - vi[1];
    const wx = p[0] - vi[0];
    const wy = p[1] - vi[1];
    const t = min(max((wx * ex + wy * ey) / (ex * ex + ey * ey), 0), 1);
    const bx = wx - ex * t;
    const by = wy - ey * t;
    d = min(d, bx * bx + by * by);
    const c1 = p[1] >= vi[1];
    const c2 = p[1] < vj[1];
    const c3 = ex * wy > ey * wx;
    if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) sign = -sign;
  }
  return sign * sqrt(d);
}

const union = (a: number, b: number): number => min(a, b);
const subtract = (a: number, b: number): number => max(a, -b);
const coverage = (distance: number): number => min(max(0.5 - distance, 0), 1);

// Geometry on the 1024 grid.
const BODY_CENTER: Vec = [512, 512];
const BODY_HALF: Vec = [412, 412];
const BODY_RADIUS = 184; // ~22.4 % of the body, like the platform icon shapes

const BUBBLE_CENTER: Vec = [512, 478];
const BUBBLE_HALF: Vec = [268, 208];
const BUBBLE_RADIUS = 120;
const BUBBLE_TAIL: readonly Vec[] = [
  [330, 600],
  [300, 780],
  [470, 660],
];

const SHACKLE_CENTER: Vec = [512, 440];
const SHACKLE_HALF: Vec = [62, 92];
const SHACKLE_THICKNESS = 16; // half width of the shackle bar
const LOCK_BODY_CENTER: Vec = [512, 528];
const LOCK_BODY_HALF: Vec = [104, 78];
const KEYHOLE_CENTER: Vec = [512, 512];

/** Position along the diagonal gradient, 0 at the top-left of the body, 1 at the bottom-right. */
function gradientT(x: number, y: number): number {
  return min(max((x + y - 200) / (2 * 824), 0), 1);
}

function bodyDistance(p: Vec): number {
  return roundedBox(p, BODY_CENTER, BODY_HALF, BODY_RADIUS);
}

function bubbleDistance(p: Vec): number {
  return union(roundedBox(p, BUBBLE_CENTER, BUBBLE_HALF, BUBBLE_RADIUS), polygon(p, BUBBLE_TAIL));
}

function lockDistance(p: Vec): number {
  const shackle = abs(roundedBox(p, SHACKLE_CENTER, SHACKLE_HALF, SHACKLE_HALF[0])) - SHACKLE_THICKNESS;
  const body = roundedBox(p, LOCK_BODY_CENTER, LOCK_BODY_HALF, 22);
  const keyhole = union(circle(p, KEYHOLE_CENTER, 20), roundedBox(p, [512, 548], [9, 30], 6));
  return subtract(union(shackle, body), keyhole);
}

/** RGBA pixels: the gradient body, the white bubble over it, the lock in the gradient colour over that. */
export function drawIcon(size: number = ICON_SIZE): PNG {
  const png = new PNG({ width: size, height: size });
  const pixels = new Uint8Array(size * size * 4);
  const scale = ICON_SIZE / size;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      // Sample at the pixel centre, in 1024-grid units; distances are converted back to pixels.
      const p: Vec = [(x + 0.5) * scale, (y + 0.5) * scale];
      const bodyA = coverage(bodyDistance(p) / scale);
      // The transparent margin keeps the gradient colour, so resampling to small sizes shows no dark fringe.
      const bubbleA = bodyA === 0 ? 0 : coverage(bubbleDistance(p) / scale);
      const lockA = bubbleA === 0 ? 0 : coverage(lockDistance(p) / scale) * bubbleA;
      // Share of white: the bubble, minus where the lock shows the gradient again.
      const white = bubbleA * (1 - lockA);
      const t = gradientT(p[0], p[1]);
      const o = (y * size + x) * 4;
      for (let c = 0; c < 3; c += 1) {
        const gradient = GRADIENT_FROM[c]! + (GRADIENT_TO[c]! - GRADIENT_FROM[c]!) * t;
        pixels[o + c] = round(gradient * (1 - white) + WHITE[c]! * white);
      }
      pixels[o + 3] = round(bodyA * 255);
    }
  }
  png.data.set(pixels);
  return png;
}

export function encodeIcon(png: PNG): Buffer {
  return PNG.sync.write(png, { colorType: 6 });
}
