/** What the S3 drivers need from the validated configuration. */
export interface S3Config {
  readonly bucket: string;
  /** Every key is stored under this prefix (a trailing `/` is added when missing), so stores can share a bucket. */
  readonly prefix?: string;
  readonly region: string;
  /** For S3-compatible servers (Ceph RGW, MinIO, R2…); AWS itself needs none. */
  readonly endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  /** Both or neither: without them the SDK's default credential chain (env, profile, IMDS, web identity) applies. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Lifetime of presigned rendition URLs; default 3600, at most 604800 (S3's SigV4 limit of 7 days). */
  readonly signedUrlTtlSeconds?: number;
  /** A CDN or public bucket URL; when set, renditions are located at `publicBaseUrl/key` instead of presigned URLs. */
  readonly publicBaseUrl?: string;
}
