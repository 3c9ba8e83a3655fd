/** What the Cloud Storage drivers need from the validated configuration. */
export interface GcsConfig {
  readonly bucket: string;
  /** Every key is stored under this prefix (a trailing `/` is added when missing), so stores can share a bucket. */
  readonly prefix?: string;
  readonly projectId?: string;
  /**
   * Another endpoint than `https://storage.googleapis.com`, e.g. an emulator. The SDK sends no
   * credentials to a custom endpoint (its emulator convention); signing URLs still uses them.
   */
  readonly apiEndpoint?: string;
  /** A service-account key file; without it (and without `credentials`) Application Default Credentials apply. */
  readonly keyFilename?: string;
  readonly credentials?: { readonly client_email: string; readonly private_key: string };
  /** Lifetime of V4 signed rendition URLs; default 3600, at most 604800 (the V4 limit of 7 days). */
  readonly signedUrlTtlSeconds?: number;
  /** A CDN or public bucket URL; when set, renditions are located at `publicBaseUrl/key` instead of signed URLs. */
  readonly publicBaseUrl?: string;
}
