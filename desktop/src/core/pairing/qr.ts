import QRCode from 'qrcode';

/**
 * QR renderings of the pairing link. Error correction M: the link is short, so the code stays
 * low-density (easy to scan from a screen) while tolerating glare.
 */
export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
    color: { dark: '#111111', light: '#ffffff' },
  });
}

export async function qrDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, scale: 8 });
}

/** For a terminal: half-height block characters, so the code fits a normal window. */
export async function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
