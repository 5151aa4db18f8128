import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/**
 * Configuration for an artifact store on the run's real S3 server (versitygw), under a prefix of its
 * own.
 */
export function s3Env(): { env: Record<string, string>; prefix: string; bucketDir: string } {
  const s3 = inject('s3');
  const prefix = `run-${randomBytes(4).toString('hex')}`;
  return {
    env: { CUSTODY_ARTIFACT_URL: `s3://${s3.bucket}/${prefix}`, AWS_ENDPOINT_URL: s3.endpoint, CUSTODY_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
    prefix,
    bucketDir: `${s3.root}/${s3.bucket}`,
  };
}
