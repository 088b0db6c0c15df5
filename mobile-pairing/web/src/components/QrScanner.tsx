import { useEffect, useRef, useState } from 'react';
import { decodeQrFromImageData } from '../../../src/core/qr-decode';
import { parsePairingInput } from '../../../src/core/pairing';
import { Notice } from './chrome';
import { CameraOffIcon } from './icons';

/** How often a frame is decoded: fast enough to feel instant, slow enough to spare a phone's battery. */
const SCAN_EVERY_MS = 150;
/** Frames are scaled down to this many pixels on the long side before decoding (a QR on a screen is large). */
const MAX_FRAME_SIDE = 720;

export function cameraErrorMessage(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was blocked. Allow the camera for this site in your browser settings, or paste the link instead.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'This device has no camera the app can use. Paste the link or type the code instead.';
    case 'NotReadableError':
      return 'The camera is busy in another app. Close it and try again, or paste the link instead.';
    default:
      return `The camera could not start${error instanceof Error && error.message ? ` (${error.message})` : ''}. Paste the link or type the code instead.`;
  }
}

function grabFrame(
  video: HTMLVideoElement,
  canvas: HTMLCanvasElement,
  context: CanvasRenderingContext2D,
): ImageData | null {
  const { videoWidth, videoHeight } = video;
  if (!videoWidth || !videoHeight) return null;
  const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(videoWidth, videoHeight));
  canvas.width = Math.round(videoWidth * scale);
  canvas.height = Math.round(videoHeight * scale);
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/**
 * The camera viewfinder: frames from getUserMedia go through the same pure decoder the tests use
 * (`decodeQrFromImageData`). The first code that is a Symc pairing link is handed up and the camera stops;
 * any other QR code gets a hint and scanning goes on.
 */
function isPairingLink(text: string): boolean {
  try {
    return parsePairingInput(text).kind === 'link';
  } catch {
    return false;
  }
}

export function QrScanner({
  onScanned,
  onCancel,
  accepts = isPairingLink,
  wrongCodeHint = 'That QR code is not a Symc pairing code. Point the camera at the code on your desktop.',
}: {
  onScanned: (text: string) => void;
  onCancel: () => void;
  /** Which codes to hand up (default: Symc pairing links); others get `wrongCodeHint` and scanning goes on. */
  accepts?: (text: string) => boolean;
  wrongCodeHint?: string;
}) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const scanned = useRef(onScanned);
  scanned.current = onScanned;
  const accepted = useRef(accepts);
  accepted.current = accepts;
  const wrongHint = useRef(wrongCodeHint);
  wrongHint.current = wrongCodeHint;

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer = 0;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });

    const stop = () => {
      stopped = true;
      window.clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };

    const scan = () => {
      const video = videoRef.current;
      if (stopped || !video || !context) return;
      const frame = video.readyState >= video.HAVE_CURRENT_DATA ? grabFrame(video, canvas, context) : null;
      const text = frame ? decodeQrFromImageData(frame) : null;
      if (text) {
        if (accepted.current(text)) {
          stop();
          scanned.current(text);
          return;
        }
        setHint(wrongHint.current);
      }
      timer = window.setTimeout(scan, SCAN_EVERY_MS);
    };

    void (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setError('The camera needs a secure (https) connection. Paste the link or type the code instead.');
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: 'environment' } },
          audio: false,
        });
      } catch (e) {
        setError(cameraErrorMessage(e));
        return;
      }
      const video = videoRef.current;
      if (stopped || !video) return stop();
      video.srcObject = stream;
      try {
        await video.play();
      } catch {
        // Autoplay of a muted inline video is allowed; if the browser still refuses, frames are read anyway.
      }
      setLive(true);
      scan();
    })();

    return stop;
  }, []);

  return (
    <section className="scanner" aria-label="Scan the QR code">
      {error ? (
        <div className="scanner-error">
          <CameraOffIcon />
          <Notice kind="error">{error}</Notice>
        </div>
      ) : (
        <div className="viewfinder">
          <video ref={videoRef} muted playsInline aria-label="Camera preview" />
          <div className="viewfinder-frame" aria-hidden="true" />
          <p className="viewfinder-caption" role="status">
            {live ? 'Point the camera at the QR code on your desktop' : 'Starting the camera…'}
          </p>
        </div>
      )}
      {hint && !error && <Notice kind="info">{hint}</Notice>}
      <button type="button" className="button secondary block" onClick={onCancel}>
        {error ? 'Back' : 'Cancel scanning'}
      </button>
    </section>
  );
}
