import QRCode from 'qrcode';
import { useMemo } from 'react';

/**
 * A QR code drawn as inline SVG from the encoder's modules: no image URL, so the page's CSP (img-src
 * 'self') stays as strict as it is.
 */
export function QrCodeSvg({ text, label, className }: { text: string; label: string; className?: string }) {
  const { size, path } = useMemo(() => {
    const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
    let d = '';
    for (let y = 0; y < modules.size; y++) {
      for (let x = 0; x < modules.size; x++) if (modules.get(x, y)) d += `M${x + 2} ${y + 2}h1v1h-1z`;
    }
    return { size: modules.size + 4, path: d };
  }, [text]);
  return (
    <svg className={className} role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#ffffff" />
      <path d={path} fill="#111111" />
    </svg>
  );
}
