import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { AttachmentS3Config } from '../../config';

/**
 * The AWS SDK's client settings for ATTACHMENT_STORE=s3. Credentials are left to the SDK's default chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a web identity or an instance/task role): the server
 * never reads or stores them itself.
 */
export function s3ClientConfig(config: AttachmentS3Config): S3ClientConfig {
  return {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    // Checksums only where S3 requires them (DeleteObjects). The SDK's default sends every upload as
    // `aws-chunked` with a trailing CRC, which many S3-compatible stores don't decode (they would store the
    // framing as part of the blob). Integrity needs no help from S3: every blob is AEAD ciphertext whose
    // digest the message body carries, checked by the client that opens it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that doesn't answer fails a request within seconds instead of holding it open.
    requestHandler: { connectionTimeout: 5_000 },
  };
}

/** One sentence for an operator: what went wrong with the bucket (never a blob's content). */
export function describeS3Error(error: unknown, config: AttachmentS3Config): string {
  const where = config.endpoint ?? `AWS S3 (${config.region})`;
  const e = error as { name?: string; Code?: string; code?: string; message?: string; $metadata?: object };
  const name = e.name ?? e.Code ?? '';
  if (name === 'NoSuchBucket' || (name === 'NotFound' && '$metadata' in e)) {
    return `the bucket "${config.bucket}" does not exist at ${where}`;
  }
  if (
    ['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'CredentialsProviderError'].includes(
      name,
    )
  ) {
    return `${where} refused access to the bucket "${config.bucket}" (${name}): check the credentials and the bucket policy`;
  }
  if (name === 'NoSuchKey') return `a blob is missing from the bucket "${config.bucket}"`;
  return `${where} did not answer for the bucket "${config.bucket}": ${e.message ?? String(error)}`;
}
