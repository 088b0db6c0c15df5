import { existsSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for Debian's Chromium, headless on a CI machine (see PLATFORM.md). */
const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PhoneBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * A real Chromium with a fresh profile. `fakeCamera` is a .y4m/.mjpeg file Chromium plays as the camera, with
 * the permission prompt auto-accepted — the app's real getUserMedia → canvas → decoder loop runs on it.
 */
export async function launchChromium(options: { fakeCamera?: string } = {}): Promise<PhoneBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  // playwright gives every launch a fresh temporary profile (it refuses a --user-data-dir flag).
  const args = [...BASE_FLAGS];
  if (options.fakeCamera) {
    args.push(
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${options.fakeCamera}`,
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** An iPhone-sized phone: 390×844 CSS pixels, touch, mobile layout. */
export async function newPhone(
  browser: Browser,
  options: { camera?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'en-GB',
    timezoneId: 'Europe/London',
    ...(options.camera ? { permissions: ['camera'] } : {}),
  });
  const page = await context.newPage();
  // Anything the page complains about (CSP violations above all) fails the test that looks at it.
  const problems: string[] = [];
  page.on('console', (message) => {
    // A refusal the app asked for and explained (404 for an unknown pairing code…) is logged by Chromium
    // as a failed resource; that is the API working, not the page failing.
    if (
      message.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
    ) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { context, page, problems };
}

/** The desktop's QR for `text`, rendered as the desktop renders it, as RGBA pixels (an ImageData look-alike). */
export async function qrPixels(
  text: string,
  scale = 6,
): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const png = PNG.sync.read(await QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 2, scale }));
  return { data: new Uint8ClampedArray(png.data), width: png.width, height: png.height };
}

/**
 * A camera recording of a screen showing the QR: a Y4M file (4:2:0, full range) Chromium's fake capture
 * device plays in a loop. The code sits in the middle of a grey 640×480 frame, as in a real camera view.
 */
export async function writeQrY4m(text: string, file: string): Promise<void> {
  const width = 640;
  const height = 480;
  const qr = await qrPixels(text, 5);
  const luma = Buffer.alloc(width * height, 170);
  const left = Math.floor((width - qr.width) / 2);
  const top = Math.floor((height - qr.height) / 2);
  for (let y = 0; y < qr.height; y++) {
    for (let x = 0; x < qr.width; x++) {
      const i = (y * qr.width + x) * 4;
      const value = 0.299 * qr.data[i]! + 0.587 * qr.data[i + 1]! + 0.114 * qr.data[i + 2]!;
      luma[(y + top) * width + (x + left)] = Math.round(value);
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]),
  );
}
