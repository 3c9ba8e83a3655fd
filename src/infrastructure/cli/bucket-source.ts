import { BucketOriginalSource } from '../../adapters/object-storage/bucket-original-source.js';
import type { OriginalSource } from '../../application/ports/original-source.js';
import type { GcsConfig } from '../../adapters/gcs/gcs-config.js';
import type { S3Config } from '../../adapters/s3/s3-config.js';
import type { Config } from '../config/config-schema.js';
import { loadGcsBucket } from '../di/modules/gcs-storage.module.js';
import { loadS3Bucket } from '../di/modules/s3-storage.module.js';
import { UsageError } from './command.js';

/** A bucket named on the command line: `s3://bucket/prefix` or `gs://bucket/prefix`. */
export interface BucketLocation {
  readonly driver: 's3' | 'gcs';
  readonly bucket: string;
  /** `''` for the whole bucket, else ending in `/`. */
  readonly prefix: string;
  /** As reports show it: `s3://bucket/prefix/`. */
  readonly url: string;
}

const SCHEMES = { 's3:': 's3', 'gs:': 'gcs' } as const;

/** The bucket `location` names, `undefined` when it names none (a folder); throws `UsageError` for `s3://` without a bucket. */
export function bucketLocationOf(location: string): BucketLocation | undefined {
  const match = /^(s3:|gs:)\/\/([^/]*)(?:\/(.*))?$/.exec(location);
  if (match === null) return undefined;
  const [, scheme, bucket, path = ''] = match as unknown as [string, keyof typeof SCHEMES, string, string?];
  if (bucket === '') throw new UsageError(`${location} names no bucket: ${scheme}//BUCKET/PREFIX`);
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  const prefix = trimmed === '' ? '' : `${trimmed}/`;
  return { driver: SCHEMES[scheme], bucket, prefix, url: `${scheme}//${bucket}/${prefix}` };
}

/**
 * How to reach an S3 source: the endpoint, region, path style and keys of the configured store that uses S3
 * (originals first, then renditions), for its bucket; with none, the SDK's own defaults (`AWS_REGION`,
 * `AWS_ENDPOINT_URL_S3`, the credential chain).
 */
export function s3SourceConfig(bucket: string, config: Config): S3Config {
  const store = [config.originals, config.renditions].find((candidate) => candidate.driver === 's3');
  if (store?.driver !== 's3') return { bucket };
  const { region, endpoint, forcePathStyle, accessKeyId, secretAccessKey } = store;
  return {
    bucket,
    region,
    forcePathStyle,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(accessKeyId === undefined || secretAccessKey === undefined ? {} : { accessKeyId, secretAccessKey }),
  };
}

/**
 * How to reach a Cloud Storage source: the project, endpoint and key file of the configured store that uses
 * Cloud Storage (originals first), for its bucket; with none, the SDK's defaults (Application Default
 * Credentials, `STORAGE_EMULATOR_HOST`).
 */
export function gcsSourceConfig(bucket: string, config: Config): GcsConfig {
  const store = [config.originals, config.renditions].find((candidate) => candidate.driver === 'gcs');
  if (store?.driver !== 'gcs') return { bucket };
  const { projectId, apiEndpoint, keyFilename } = store;
  return {
    bucket,
    ...(projectId === undefined ? {} : { projectId }),
    ...(apiEndpoint === undefined ? {} : { apiEndpoint }),
    ...(keyFilename === undefined ? {} : { keyFilename }),
  };
}

/** The import source for a bucket location, with the SDK loaded (a missing optional package is named) and a way to let go of its client. */
export async function openBucketSource(location: BucketLocation, config: Config): Promise<{ readonly label: string; readonly source: OriginalSource; close(): void }> {
  const setting = `lir import ${location.url}`;
  if (location.driver === 's3') {
    const { client, bucket } = await loadS3Bucket(setting, s3SourceConfig(location.bucket, config));
    return { label: location.url, source: new BucketOriginalSource(bucket, location.prefix, location.url), close: () => client.destroy() };
  }
  const bucket = await loadGcsBucket(setting, gcsSourceConfig(location.bucket, config));
  return { label: location.url, source: new BucketOriginalSource(bucket, location.prefix, location.url), close: () => undefined };
}
