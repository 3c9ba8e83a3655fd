/** What the S3 bucket client needs from the validated configuration (the key layout is the stores': `BucketOriginalStoreConfig`, `BucketRenditionCacheConfig`). */
export interface S3Config {
  readonly bucket: string;
  /** Without it (a bulk import's source when no store uses S3), the SDK's default: `AWS_REGION`, the profile. */
  readonly region?: string;
  /** For S3-compatible servers (Ceph RGW, MinIO, R2…); AWS itself needs none. */
  readonly endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  /** Both or neither: without them the SDK's default credential chain (env, profile, IMDS, web identity) applies. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}
