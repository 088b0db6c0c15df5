import { PairingBundle, type PairingHandover } from '../../../../common/contract';
import {
  type BoxKeyPair,
  CryptoError,
  type DesktopPake,
  encodePublicKey,
  generateBoxKeyPair,
  newCheckCode,
  openSealedJson,
  openWithCheckCode,
  randomBytes,
  secretsEqual,
  startDesktopPake,
  toBase64Url,
  utf8,
  wipe,
} from '../../../../common/crypto';

/**
 * Everything one QR (one pairing session) needs that the server must never see: the X25519 key's secret
 * half (the QR path's phone seals to its public half), the QR secret (only in the QR, echoed back inside
 * the sealed bundle), the check code (the typed path's CPace password) and the CPace scalar.
 * Made fresh for every session and wiped when it ends.
 */
export class PairingSecrets {
  readonly keyPair: BoxKeyPair = generateBoxKeyPair();
  readonly qrSecret: string = toBase64Url(randomBytes(16));
  readonly checkCode: string = newCheckCode();
  readonly pake: DesktopPake = startDesktopPake(this.checkCode);

  get desktopPublicKey(): string {
    return encodePublicKey(this.keyPair.publicKey);
  }

  /**
   * Opens the phone's hand-over for session `pairingId`, or throws `CryptoError('decrypt_failed')`.
   * QR: the box must open with this session's key AND carry this QR's secret — anyone can seal to a public
   * key, only a phone that read the screen knows the secret. Code: the CPace box must authenticate under
   * the key derived from this session's check code and shares.
   */
  open(handover: PairingHandover, pairingId: string): PairingBundle {
    let value: unknown;
    if (handover.method === 'qr') {
      value = openSealedJson(handover.sealedBundle, this.keyPair);
    } else {
      const transcript = { pairingId, desktopPublicKey: this.desktopPublicKey, sid: this.pake.sid };
      value = JSON.parse(
        utf8.decode(openWithCheckCode(this.pake, transcript, handover.phoneShare, handover.sealedBundle)),
      );
    }
    const bundle = PairingBundle.safeParse(value);
    if (!bundle.success || bundle.data.pairingId !== pairingId)
      throw new CryptoError('decrypt_failed', 'bundle content');
    if (
      handover.method === 'qr' &&
      !(bundle.data.qrSecret !== undefined && secretsEqual(bundle.data.qrSecret, this.qrSecret))
    ) {
      throw new CryptoError('decrypt_failed', 'the bundle does not carry this QR code’s secret');
    }
    return bundle.data;
  }

  wipe(): void {
    wipe(this.keyPair.secretKey);
    wipe(this.pake.party.scalar);
  }
}
