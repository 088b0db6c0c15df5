import QRCode from 'qrcode';
import { useMemo } from 'react';

/**
 * A QR code drawn as inline SVG from the encoder's modules: no image URL, so the page's CSP (img-src
 * 'self') stays as strict as it is.
 */
const MARGIN = 2;
/** CSS pixels per module: a whole number, so module edges fall on pixel edges. */
const MODULE_PX = 6;

export function QrCodeSvg({ text, label, className }: { text: string; label: string; className?: string }) {
  const { size, path } = useMemo(() => {
    const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
    let d = '';
    // One rectangle per horizontal run of dark modules: no seams between neighbours for a camera to trip on.
    for (let y = 0; y < modules.size; y++) {
      for (let x = 0; x < modules.size;) {
        if (!modules.get(x, y)) {
          x++;
          continue;
        }
        let run = 1;
        while (x + run < modules.size && modules.get(x + run, y)) run++;
        d += `M${x + MARGIN} ${y + MARGIN}h${run}v1h-${run}z`;
        x += run;
      }
    }
    return { size: modules.size + 2 * MARGIN, path: d };
  }, [text]);
  return (
    <svg
      className={className}
      role="img"
      aria-label={label}
      viewBox={`0 0 ${size} ${size}`}
      width={size * MODULE_PX}
      height={size * MODULE_PX}
      shapeRendering="crispEdges"
    >
      <rect width={size} height={size} fill="#ffffff" />
      <path d={path} fill="#111111" />
    </svg>
  );
}
