/** What the Cloud Storage bucket client needs from the validated configuration (the key layout is the stores': `BucketOriginalStoreConfig`, `BucketRenditionCacheConfig`). */
export interface GcsConfig {
  readonly bucket: string;
  readonly projectId?: string;
  /**
   * Another endpoint than `https://storage.googleapis.com`, e.g. an emulator. The SDK sends no
   * credentials to a custom endpoint (its emulator convention); signing URLs still uses them.
   */
  readonly apiEndpoint?: string;
  /** A service-account key file; without it (and without `credentials`) Application Default Credentials apply. */
  readonly keyFilename?: string;
  readonly credentials?: { readonly client_email: string; readonly private_key: string };
}
